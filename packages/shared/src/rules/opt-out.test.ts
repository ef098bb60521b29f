import type { Consent } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deniesSharing, isOptedOut } from './opt-out.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const optOut = (over: Partial<Consent> = {}): Consent => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: 'Patient/p1' },
  provision: { type: 'deny' },
  ...over,
});

describe('deniesSharing', () => {
  it('is true for an active privacy consent that denies', () => {
    expect(deniesSharing(optOut(), NOW)).toBe(true);
  });

  it('is true for an OPTOUT policy even without a privacy scope', () => {
    const c = optOut({
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    });
    expect(deniesSharing(c, NOW)).toBe(true);
  });

  it('is false when permitting, inactive, withdrawn, or not about sharing', () => {
    expect(deniesSharing(optOut({ provision: { type: 'permit' } }), NOW)).toBe(false);
    for (const status of ['inactive', 'rejected', 'draft', 'proposed', 'entered-in-error'] as const) {
      expect(deniesSharing(optOut({ status }), NOW), status).toBe(false);
    }
    expect(
      deniesSharing(
        optOut({
          scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] },
        }),
        NOW,
      ),
    ).toBe(false);
  });

  it('honours the provision period', () => {
    expect(deniesSharing(optOut({ provision: { type: 'deny', period: { end: '2026-11-24' } } }), NOW)).toBe(false);
    expect(deniesSharing(optOut({ provision: { type: 'deny', period: { start: '2026-12-01' } } }), NOW)).toBe(false);
    expect(
      deniesSharing(optOut({ provision: { type: 'deny', period: { start: '2026-01-01', end: '2027-01-01' } } }), NOW),
    ).toBe(true);
  });

  it('never throws on arbitrary consent-like input', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        (x) => typeof deniesSharing({ resourceType: 'Consent', ...(x as object) } as Consent, NOW) === 'boolean',
      ),
    );
  });
});

describe('isOptedOut', () => {
  it('is true when the NHS number is on the local list, with no consents at all', () => {
    expect(isOptedOut({ nhsNumber: '9990000018', localOptOuts: new Set(['9990000018']), consents: [], now: NOW })).toBe(
      true,
    );
  });

  it('is true when any one source holds a denying consent', () => {
    expect(
      isOptedOut({
        nhsNumber: '9990000018',
        localOptOuts: new Set(),
        consents: [optOut({ provision: { type: 'permit' } }), optOut()],
        now: NOW,
      }),
    ).toBe(true);
  });

  it('is false otherwise', () => {
    expect(
      isOptedOut({
        nhsNumber: '9990000018',
        localOptOuts: new Set(['9990000026']),
        consents: [optOut({ status: 'inactive' })],
        now: NOW,
      }),
    ).toBe(false);
  });
});
