import { describe, expect, it } from 'vitest';
import type { Extension, Flag } from '@medplum/fhirtypes';
import type { FlagItem, SourceRef } from '../view-models.ts';
import { compareFlags, mapFlag } from './map-flag.ts';

const SNOMED = 'http://snomed.info/sct';
const FLAG_CATEGORY = 'http://terminology.hl7.org/CodeSystem/flag-category';
const PRIORITY_URL = 'http://hl7.org/fhir/StructureDefinition/flag-priority';
const GP: SourceRef = { id: 'gp', name: 'Riverside Surgery' };
const NOW = new Date('2025-06-01T10:00:00Z');

function priority(code: string): Extension {
  return {
    url: PRIORITY_URL,
    valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-priority-code', code }] },
  };
}

function category(code: string, display: string) {
  return [{ coding: [{ system: FLAG_CATEGORY, code, display }] }];
}

function flag(overrides: Partial<Flag> = {}): Flag {
  return {
    resourceType: 'Flag',
    id: 'flag-1',
    status: 'active',
    category: category('clinical', 'Clinical'),
    code: { coding: [{ system: SNOMED, code: '91936005', display: 'Allergy to penicillin' }] },
    subject: { reference: 'Patient/pat-1' },
    period: { start: '2023-09-12' },
    ...overrides,
  };
}

describe('mapFlag', () => {
  it('maps an active flag', () => {
    expect(mapFlag(flag(), GP, NOW)).toEqual({
      id: 'gp:flag-1',
      source: GP,
      computed: false,
      text: 'Allergy to penicillin',
      category: 'Clinical',
      severity: 'unknown',
      date: '2023-09-12',
    });
  });

  it.each(['inactive', 'entered-in-error'] as const)('never shows a %s flag', (status) => {
    expect(mapFlag(flag({ status }), GP, NOW)).toBeUndefined();
  });

  it('never shows a flag whose period ended before now, or exactly now', () => {
    expect(mapFlag(flag({ period: { start: '2023-09-12', end: '2025-05-31T23:59:59Z' } }), GP, NOW)).toBeUndefined();
    expect(mapFlag(flag({ period: { start: '2023-09-12', end: '2025-06-01T10:00:00Z' } }), GP, NOW)).toBeUndefined();
  });

  it('shows a flag whose period ends later', () => {
    expect(mapFlag(flag({ period: { start: '2023-09-12', end: '2025-06-01T10:00:01Z' } }), GP, NOW)).toBeDefined();
    expect(mapFlag(flag({ period: { end: '2026-01-01' } }), GP, NOW)).toBeDefined();
  });

  it('does not show a flag that starts in the future', () => {
    expect(mapFlag(flag({ period: { start: '2025-06-02' } }), GP, NOW)).toBeUndefined();
  });

  // FHIR R4 Period: "The end value includes any matching date/time. i.e. 2012-02-03T10:00:00 is in a
  // period that has an end value of 2012-02-03." (https://hl7.org/fhir/R4/datatypes.html#Period)
  // A flag ending "2025-06-01" is still current at 10:00 that day; today it is hidden at midnight UTC.
  it('regression: shows a flag on the last day of its period when period.end is a date (FHIR Period.end is inclusive)', () => {
    const item = mapFlag(
      flag({ category: category('safety', 'Safety'), period: { start: '2025-05-01', end: '2025-06-01' } }),
      GP,
      NOW,
    );
    expect(item?.severity).toBe('high');
  });

  it('drops a flag without id or readable code', () => {
    const { id: _id, ...noId } = flag();
    expect(mapFlag(noId, GP, NOW)).toBeUndefined();
    expect(mapFlag(flag({ code: { coding: [{ system: SNOMED, code: '91936005' }] } }), GP, NOW)).toBeUndefined();
  });

  it('dates by period start, else meta.lastUpdated', () => {
    const { period: _p, ...noPeriod } = flag();
    expect(mapFlag({ ...noPeriod, meta: { lastUpdated: '2025-04-02T08:00:00.000Z' } }, GP, NOW)?.date).toBe(
      '2025-04-02T08:00:00.000Z',
    );
    expect(mapFlag(noPeriod, GP, NOW)).not.toHaveProperty('date');
  });

  it.each([
    ['PH', 'high'],
    ['PM', 'medium'],
    ['PL', 'low'],
    ['PN', 'low'],
  ] as const)('takes severity %s → %s from the flag-priority extension', (code, severity) => {
    expect(mapFlag(flag({ extension: [priority(code)] }), GP, NOW)?.severity).toBe(severity);
  });

  it('treats a safety category as high, unless the priority extension says otherwise', () => {
    const safety = flag({
      category: category('safety', 'Safety'),
      code: { coding: [{ system: SNOMED, code: '225917002', display: 'Potentially violent patient' }] },
    });
    expect(mapFlag(safety, GP, NOW)).toMatchObject({ severity: 'high', category: 'Safety' });
    expect(mapFlag({ ...safety, extension: [priority('PM')] }, GP, NOW)?.severity).toBe('medium');
  });

  it('falls back to the category when the priority code is unknown', () => {
    expect(
      mapFlag(flag({ extension: [priority('PX')], category: category('safety', 'Safety') }), GP, NOW)?.severity,
    ).toBe('high');
    expect(mapFlag(flag({ extension: [priority('PX')] }), GP, NOW)?.severity).toBe('unknown');
  });

  it('regression: a flag-priority code named like an Object member (constructor, toString) gives a real severity', () => {
    for (const code of ['constructor', 'toString']) {
      expect(['high', 'medium', 'low', 'unknown']).toContain(
        mapFlag(flag({ extension: [priority(code)] }), GP, NOW)?.severity,
      );
    }
  });
});

describe('compareFlags', () => {
  function item(id: string, severity: FlagItem['severity'], date?: string): FlagItem {
    return { id, computed: false, text: id, severity, ...(date ? { date } : {}) };
  }

  it('sorts most severe first (high, medium, unknown, low), then most recent', () => {
    const flags = [
      item('low-new', 'low', '2025-05-01'),
      item('unknown', 'unknown', '2024-01-01'),
      item('high-old', 'high', '2020-03-01'),
      item('medium', 'medium', '2025-01-01'),
      item('high-undated', 'high'),
      item('high-new', 'high', '2025-04-30T12:00:00Z'),
    ];
    expect(flags.sort(compareFlags).map((f) => f.id)).toEqual([
      'high-new',
      'high-old',
      'high-undated',
      'medium',
      'unknown',
      'low-new',
    ]);
  });
});
