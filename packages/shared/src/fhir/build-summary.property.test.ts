import type { DocumentReference, Flag, Observation } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '../nhs-number.ts';
import { sensitiveFilter } from '../rules/sensitive-codes.ts';
import { buildSummary, type SourceAnswer } from './build-summary.ts';

const NHS = '9990000018';
const OTHER_NHS = '9990000026';
const NOW = new Date('2026-11-25T12:00:00Z');
const SNOMED = 'http://snomed.info/sct';
// Codes drawn from a small pool so that excluded and kept codes both occur often.
const CODES = ['111', '222', '333', '444', '555'] as const;
const EXCLUDED = '333';

const arbSubject = fc.constantFrom(
  { tag: 'own', subject: { reference: 'Patient/p1' } },
  { tag: 'own', subject: { reference: 'https://fhir.example/R4/Patient/p1/_history/3' } },
  { tag: 'own', subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: NHS } } },
  { tag: 'foreign', subject: { reference: 'Patient/p2' } },
  { tag: 'foreign', subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: OTHER_NHS } } },
  { tag: 'foreign', subject: undefined },
);

const arbItem = fc.record({
  code: fc.constantFrom(...CODES),
  who: arbSubject,
  kind: fc.constantFrom('obs', 'doc', 'flag'),
});

function resourceFor(i: number, item: { code: string; who: { tag: string; subject: unknown }; kind: string }) {
  // The display carries the code and whose it is, so the output can be searched for both.
  const display = `item-${item.code}-${item.who.tag}-${i}`;
  const concept = { coding: [{ system: SNOMED, code: item.code, display }] };
  const subject = item.who.subject === undefined ? {} : { subject: item.who.subject };
  if (item.kind === 'obs') {
    return {
      resourceType: 'Observation',
      id: `o${i}`,
      status: 'final',
      code: concept,
      valueQuantity: { value: i, unit: 'mmol/L' },
      ...subject,
    } as Observation;
  }
  if (item.kind === 'doc') {
    return {
      resourceType: 'DocumentReference',
      id: `d${i}`,
      status: 'current',
      type: concept,
      content: [],
      ...subject,
    } as DocumentReference;
  }
  return { resourceType: 'Flag', id: `f${i}`, status: 'active', code: concept, ...subject } as Flag;
}

describe('buildSummary properties', () => {
  it('never shows an item about another patient, or an excluded code, and shows every other one', () => {
    const excludes = sensitiveFilter({ codes: [{ system: SNOMED, code: EXCLUDED }], securityLabels: [] });
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 30 }), (items) => {
        const resources = items.map((item, i) => resourceFor(i, item));
        const answer: SourceAnswer = {
          source: { id: 'src', name: 'Source' },
          status: 'ok',
          fetchedAt: NOW.toISOString(),
          record: {
            patient: { resourceType: 'Patient', id: 'p1' },
            reports: [],
            observations: resources.filter((r): r is Observation => r.resourceType === 'Observation'),
            documents: resources.filter((r): r is DocumentReference => r.resourceType === 'DocumentReference'),
            flags: resources.filter((r): r is Flag => r.resourceType === 'Flag'),
          },
        };
        const text = JSON.stringify(buildSummary(NHS, [answer], NOW, excludes));
        expect(text).not.toMatch(/item-\d+-foreign-/);
        expect(text).not.toContain(`item-${EXCLUDED}-`);
        items.forEach((item, i) => {
          if (item.who.tag === 'own' && item.code !== EXCLUDED) expect(text).toContain(`item-${item.code}-own-${i}"`);
        });
      }),
    );
  });
});
