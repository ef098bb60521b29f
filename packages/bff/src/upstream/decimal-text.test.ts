import { DECIMAL_TEXT_KEY } from '@care-sidebar/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withDecimalText } from './decimal-text.ts';

/** The parsed value without the texts written beside decimals. */
function withoutTexts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTexts);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== DECIMAL_TEXT_KEY)
      .map(([key, v]) => [key, withoutTexts(v)]),
  );
}

const parsed = (json: string) => JSON.parse(withDecimalText(json)) as Record<string, unknown>;

describe('withDecimalText', () => {
  it('writes the source text beside a value whose trailing zeros JSON.parse would drop', () => {
    expect(parsed('{"value":4.0,"unit":"mmol/L"}')).toEqual({ value: 4, unit: 'mmol/L', [DECIMAL_TEXT_KEY]: '4.0' });
    expect(parsed('{"unit":"mmol/L","value":0.10}')[DECIMAL_TEXT_KEY]).toBe('0.10');
    expect(parsed('{"value":-1.50}')[DECIMAL_TEXT_KEY]).toBe('-1.50');
    expect(parsed('{ "low" : { "value" : 133.0 } , "high": {"value": 146.00 } }')).toEqual({
      low: { value: 133, [DECIMAL_TEXT_KEY]: '133.0' },
      high: { value: 146, [DECIMAL_TEXT_KEY]: '146.00' },
    });
  });

  it('leaves alone values the number already says, other members, and text inside strings', () => {
    for (const json of [
      '{"value":4.25}',
      '{"value":140}',
      '{"value":0}',
      '{"value":"4.0"}',
      '{"valueQuantity":{"code":"mmol/L"},"count":4.0}',
      '{"div":"<p>{\\"value\\":4.0}</p>","note":", \\"value\\": 1.50}"}',
      '{"value":4.0e2}',
    ]) {
      expect(withDecimalText(json)).toBe(json);
    }
  });

  it('never changes what any JSON text means, however its strings are made', () => {
    // Strings drawn from the characters that make up the pattern, so near misses are common.
    const tricky = fc.string({
      unit: fc.constantFrom('{', '}', ',', '"', ':', ' ', '\\', 'v', 'a', 'l', 'u', 'e', '4', '.', '0'),
    });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value')),
        fc.dictionary(fc.oneof(tricky, fc.constant('value')), tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const text = JSON.stringify(value);
        // JSON.stringify writes no trailing zeros, so nothing here may be touched.
        expect(withDecimalText(text)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every other byte: only the texts are added, each the very number beside it', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.nat({ max: 10_000 }), fc.stringMatching(/^\d{0,3}0$/))
      .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}.${fraction}`);
    const member = fc
      .tuple(decimal, fc.string())
      .map(([digits, note]) => `{"note":${JSON.stringify(note)},"value":${digits}}`);
    fc.assert(
      fc.property(fc.array(member, { maxLength: 8 }), (members) => {
        const text = `{"entry":[${members.join(',')}]}`;
        const out = JSON.parse(withDecimalText(text)) as { entry: Record<string, unknown>[] };
        expect(withoutTexts(out)).toEqual(JSON.parse(text));
        for (const [i, entry] of out.entry.entries()) {
          const digits = /"value":(-?[\d.]+)\}$/.exec(members[i] as string)?.[1];
          expect(entry[DECIMAL_TEXT_KEY]).toBe(digits);
          expect(Number(entry[DECIMAL_TEXT_KEY])).toBe(entry['value']);
        }
      }),
      { numRuns: 300 },
    );
  });
});
