import type { DocumentReference, Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { sensitiveFilter } from './sensitive-codes.ts';

const SCT = 'http://snomed.info/sct';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const policy = {
  codes: [
    { system: SCT, code: '394808002' },
    { system: 'http://loinc.org', code: '75622-1' },
  ],
  securityLabels: [{ system: ACT, code: 'HIV' }],
};
const excludes = sensitiveFilter(policy);

const letter = (over: Partial<DocumentReference>): DocumentReference => ({
  resourceType: 'DocumentReference',
  status: 'current',
  content: [],
  ...over,
});

describe('sensitiveFilter', () => {
  it('excludes a letter by its practice setting, type or event', () => {
    expect(excludes(letter({ context: { practiceSetting: { coding: [{ system: SCT, code: '394808002' }] } } }))).toBe(
      true,
    );
    expect(excludes(letter({ type: { coding: [{ system: SCT, code: '394808002' }] } }))).toBe(true);
    expect(
      excludes(
        letter({
          context: {
            event: [
              {
                coding: [
                  { system: SCT, code: '1' },
                  { system: SCT, code: '394808002' },
                ],
              },
            ],
          },
        }),
      ),
    ).toBe(true);
  });

  it('excludes a result by its code, and anything carrying a listed security label', () => {
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '75622-1' }] },
    };
    expect(excludes(obs)).toBe(true);
    expect(excludes({ ...obs, code: { text: 'Viral load' }, meta: { security: [{ system: ACT, code: 'HIV' }] } })).toBe(
      true,
    );
  });

  it('matches system and code together, never the code alone or the display', () => {
    expect(excludes(letter({ type: { coding: [{ system: 'http://other', code: '394808002' }] } }))).toBe(false);
    expect(
      excludes(
        letter({
          type: { text: 'Genito-urinary medicine', coding: [{ system: SCT, code: '1', display: '394808002' }] },
        }),
      ),
    ).toBe(false);
    expect(excludes(letter({ meta: { security: [{ system: ACT, code: 'PSY' }] } }))).toBe(false);
  });

  it('excludes nothing with an empty policy', () => {
    expect(
      sensitiveFilter({ codes: [], securityLabels: [] })(
        letter({ meta: { security: [{ system: ACT, code: 'HIV' }] } }),
      ),
    ).toBe(false);
  });
});
