import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatNhsNumber, isValidNhsNumber } from './nhs-number.ts';

function checkDigit(nine: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

describe('isValidNhsNumber', () => {
  it('accepts synthetic numbers from the 999 test range with a valid check digit', () => {
    expect(isValidNhsNumber('9990000018')).toBe(true);
    expect(isValidNhsNumber('9990000026')).toBe(true);
  });

  it('refuses a wrong check digit, wrong length, spaces and non-digits', () => {
    expect(isValidNhsNumber('9990000019')).toBe(false);
    expect(isValidNhsNumber('999000001')).toBe(false);
    expect(isValidNhsNumber('99900000181')).toBe(false);
    expect(isValidNhsNumber('999 000 0018')).toBe(false);
    expect(isValidNhsNumber('9990000018 ')).toBe(false);
    expect(isValidNhsNumber('99900000a8')).toBe(false);
    expect(isValidNhsNumber('')).toBe(false);
  });

  it('refuses numbers whose check digit would be 10', () => {
    // 999000006: weighted sum 9*10+9*9+9*8+6*2 = 255; 255 mod 11 = 2; 11-2 = 9 → valid with 9.
    // Search the 999 range for a prefix whose check is 10 and prove every final digit is refused.
    let prefix = '';
    for (let n = 0; n < 1000 && prefix === ''; n++) {
      const candidate = `999000${String(n).padStart(3, '0')}`;
      if (checkDigit(candidate) === undefined) prefix = candidate;
    }
    expect(prefix).not.toBe('');
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`${prefix}${d}`)).toBe(false);
  });

  it('agrees with an independent statement of Modulus 11 on any 10 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{10}$/), (s) => {
        const expected = checkDigit(s.slice(0, 9));
        return isValidNhsNumber(s) === (expected !== undefined && expected === Number(s[9]));
      }),
    );
  });
});

describe('formatNhsNumber', () => {
  it('formats 3-3-4', () => {
    expect(formatNhsNumber('9990000018')).toBe('999 000 0018');
  });
});
