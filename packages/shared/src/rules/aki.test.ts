import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Observation } from '@medplum/fhirtypes';
import type { SourceRef } from '../view-models.ts';
import { akiFlag, akiStage, type CreatinineResult, type SourcedObservation } from './aki.ts';

// Synthetic results only. Times are relative to C1, taken on 16-Nov-2026 at 09:00 UTC.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-16T09:00:00Z');
const at = (msBefore: number, umolPerL: number): CreatinineResult => ({ umolPerL, atMs: T0 - msBefore });
const c1 = (umolPerL: number): CreatinineResult => ({ umolPerL, atMs: T0 });
const stageOf = (current: number, history: CreatinineResult[], options = {}) =>
  akiStage(c1(current), history, options)?.stage;

describe('akiStage: ratio thresholds (RV1, outside 48 hours)', () => {
  const history = [at(3 * DAY, 100)];
  it.each([
    [149, undefined],
    [150, 1],
    [151, 1],
    [199, 1],
    [200, 2],
    [201, 2],
    [299, 2],
    [300, 3],
    [301, 3],
  ])('C1 %d against RV1 100 gives stage %s', (current, stage) => {
    expect(stageOf(current, history)).toBe(stage);
  });

  it('reports the ratio, the baseline and its window', () => {
    expect(akiStage(c1(182), [at(3 * DAY, 78)])).toEqual({
      stage: 2,
      ratio: 182 / 78,
      baseline: { kind: 'RV1', value: 78, atMs: T0 - 3 * DAY },
      rise: 104,
    });
  });
});

describe('akiStage: stage 3 by absolute value', () => {
  const history = [at(3 * DAY, 200)];
  it.each([
    [354, 1],
    [354.1, 3],
    [355, 3],
  ])('adult: C1 %d (ratio < 2) gives stage %s; the limit is > 354 µmol/L', (current, stage) => {
    expect(stageOf(current, history)).toBe(stage);
  });

  it('names the limit when it, not the ratio, made stage 3', () => {
    expect(akiStage(c1(400), history)).toMatchObject({ stage: 3, absoluteLimitUmolPerL: 354 });
    expect(akiStage(c1(600), history)).not.toHaveProperty('absoluteLimitUmolPerL');
  });

  it('applies only when the ratio reaches 1.5', () => {
    expect(stageOf(400, [at(3 * DAY, 300)])).toBeUndefined();
  });

  const child = { under18: true, upperReferenceLimitUmolPerL: 40 };
  it.each([
    [119, 1],
    [120, 1],
    [121, 3],
  ])('under 18 with upper limit 40: C1 %d gives stage %s; the limit is > 3 × 40', (current, stage) => {
    expect(stageOf(current, [at(3 * DAY, 70)], child)).toBe(stage);
  });

  it('does not apply 354 µmol/L to a child, and skips the absolute criterion with no upper limit', () => {
    expect(stageOf(400, [at(3 * DAY, 250)], { under18: true })).toBe(1);
    expect(stageOf(400, [at(3 * DAY, 250)], { under18: false })).toBe(3);
  });
});

describe('akiStage: the 48-hour rise (D > 26 µmol/L)', () => {
  it.each([
    [125, undefined],
    [126, undefined],
    [127, 1],
  ])('C1 %d after 100 a day earlier gives stage %s', (current, stage) => {
    expect(stageOf(current, [at(DAY, 100)])).toBe(stage);
  });

  it('uses the lowest result in the 48 hours, and reports it as the baseline', () => {
    expect(akiStage(c1(130), [at(DAY, 110), at(40 * HOUR, 100)])).toEqual({
      stage: 1,
      ratio: 1.3,
      baseline: { kind: '48h', value: 100, atMs: T0 - 40 * HOUR },
      rise: 30,
    });
  });
});

describe('akiStage: windows at their boundary instants', () => {
  it.each([
    [7 * DAY - 1, 'RV1'],
    [7 * DAY, 'RV1'],
    [7 * DAY + 1, 'RV2'],
  ])('a result %d ms before C1 is in window %s', (before, kind) => {
    expect(akiStage(c1(200), [at(before, 100)])?.baseline.kind).toBe(kind);
  });

  it.each([
    [48 * HOUR - 1, 1],
    [48 * HOUR, 1],
    [48 * HOUR + 1, undefined],
  ])('a result %d ms before C1 is within 48 hours: stage %s', (before, stage) => {
    expect(stageOf(127, [at(before, 100)])).toBe(stage);
  });

  it.each([
    [365 * DAY - 1, 2],
    [365 * DAY, 2],
    [365 * DAY + 1, undefined],
  ])('a result %d ms before C1 is within 365 days: stage %s', (before, stage) => {
    expect(stageOf(200, [at(before, 100)])).toBe(stage);
  });
});

describe('akiStage: choosing the baseline', () => {
  it('takes RV1 when its ratio is higher', () => {
    const result = akiStage(c1(200), [at(3 * DAY, 80), at(30 * DAY, 100), at(60 * DAY, 120), at(90 * DAY, 140)]);
    expect(result).toMatchObject({ stage: 2, ratio: 2.5, baseline: { kind: 'RV1', value: 80 } });
  });

  it('takes RV2, the median of results 8–365 days before, when its ratio is higher', () => {
    const result = akiStage(c1(200), [at(3 * DAY, 150), at(30 * DAY, 80), at(60 * DAY, 100), at(90 * DAY, 120)]);
    expect(result).toMatchObject({ stage: 2, ratio: 2, baseline: { kind: 'RV2', value: 100, count: 3 } });
  });

  it('takes the mean of the middle two for an even count', () => {
    const result = akiStage(c1(330), [at(30 * DAY, 80), at(60 * DAY, 100), at(90 * DAY, 120), at(120 * DAY, 200)]);
    expect(result?.baseline).toEqual({ kind: 'RV2', value: 110, count: 4 });
  });

  it('keeps RV1 on a tie', () => {
    expect(akiStage(c1(200), [at(3 * DAY, 100), at(30 * DAY, 100)])?.baseline.kind).toBe('RV1');
  });
});

describe('akiStage: nothing to compare with', () => {
  it('gives no stage without history', () => {
    expect(akiStage(c1(900), [])).toBeUndefined();
  });

  it('ignores later results, C1 itself and junk values', () => {
    const junk = [
      at(-DAY, 10),
      at(0, 10),
      at(3 * DAY, NaN),
      at(3 * DAY, 0),
      at(3 * DAY, 0.5),
      at(3 * DAY, 5e-324),
      at(3 * DAY, -5),
      at(NaN, 10),
    ];
    expect(akiStage(c1(900), junk)).toBeUndefined();
  });
});

describe('akiStage: properties', () => {
  const arbResult = fc.record({
    umolPerL: fc.oneof(fc.double(), fc.double({ min: 20, max: 1500, noNaN: true })),
    atMs: fc.oneof(fc.integer({ min: T0 - 400 * DAY, max: T0 + DAY }), fc.double()),
  });

  it('never throws and returns a stage 1–3 with a finite ratio, or nothing', () => {
    fc.assert(
      fc.property(arbResult, fc.array(arbResult, { maxLength: 30 }), fc.boolean(), fc.double(), (cur, hist, u, uln) => {
        const result = akiStage(cur, hist, { under18: u, upperReferenceLimitUmolPerL: uln });
        return result === undefined || ([1, 2, 3].includes(result.stage) && Number.isFinite(result.ratio));
      }),
    );
  });

  it('is monotone in the current value with history fixed', () => {
    const arbHistory = fc.array(
      fc.record({
        umolPerL: fc.double({ min: 20, max: 1500, noNaN: true }),
        atMs: fc.integer({ min: T0 - 400 * DAY, max: T0 - 1 }),
      }),
      { maxLength: 20 },
    );
    const value = fc.double({ min: 1, max: 2000, noNaN: true });
    fc.assert(
      fc.property(arbHistory, value, value, fc.boolean(), (hist, a, b, under18) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const options = { under18, upperReferenceLimitUmolPerL: 60 };
        return (stageOf(low, hist, options) ?? 0) <= (stageOf(high, hist, options) ?? 0);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const A: SourceRef = { id: 'hospital-a', name: 'Hospital A' };
const B: SourceRef = { id: 'hospital-b', name: 'Hospital B' };
const NOW = new Date('2026-11-17T12:00:00Z');

function creatinine(id: string, effective: string, value: number, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: SNOMED, code: '1000731000000107', display: 'Serum creatinine level' }] },
    effectiveDateTime: effective,
    valueQuantity: { value, unit: 'umol/L', system: 'http://unitsofmeasure.org', code: 'umol/L' },
    ...extra,
  };
}

function akiWarning(id: string, effective: string, value: Partial<Observation>): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: SNOMED, code: '1007921000000107', display: 'Acute kidney injury warning stage' }] },
    effectiveDateTime: effective,
    ...value,
  };
}

const from = (source: SourceRef, ...observations: Observation[]): SourcedObservation[] =>
  observations.map((observation) => ({ source, observation }));

describe('akiFlag: computed', () => {
  it('flags the newest creatinine against the lowest result in the previous 7 days, labelled computed', () => {
    const flag = akiFlag(
      from(A, creatinine('c1', '2026-11-13T09:00:00+00:00', 78), creatinine('c2', '2026-11-16T09:00:00+00:00', 182)),
      { now: NOW },
    );
    expect(flag).toEqual({
      id: 'computed:aki',
      computed: true,
      text: 'Acute kidney injury warning: stage 2',
      reason: 'Creatinine 182 µmol/L on 16-Nov-2026 is 2.3 × the lowest result in the previous 7 days (78 µmol/L)',
      severity: 'high',
      date: '2026-11-16T09:00:00+00:00',
    });
    expect(flag).not.toHaveProperty('source');
  });

  it.each([
    [1, 160, 'medium'],
    [2, 200, 'high'],
    [3, 300, 'high'],
  ] as const)('gives stage %d severity %s', (stage, value, severity) => {
    const flag = akiFlag(
      from(A, creatinine('c1', '2026-11-13T09:00:00Z', 100), creatinine('c2', '2026-11-16T09:00:00Z', value)),
      { now: NOW },
    );
    expect([flag?.text, flag?.severity]).toEqual([`Acute kidney injury warning: stage ${stage}`, severity]);
  });

  it('explains a median baseline, a 48-hour rise and an absolute limit', () => {
    const median = akiFlag(
      from(
        A,
        creatinine('c1', '2026-09-01T09:00:00Z', 80),
        creatinine('c2', '2026-10-01T09:00:00Z', 90),
        creatinine('c3', '2026-11-16T09:00:00Z', 180),
      ),
      { now: NOW },
    );
    expect(median?.reason).toBe(
      'Creatinine 180 µmol/L on 16-Nov-2026 is 2.1 × the median of the 2 results from 8 to 365 days before (85 µmol/L)',
    );
    const rise = akiFlag(
      from(A, creatinine('c1', '2026-11-15T09:00:00Z', 100), creatinine('c2', '2026-11-16T09:00:00Z', 130)),
      { now: NOW },
    );
    expect(rise?.reason).toBe(
      'Creatinine 130 µmol/L on 16-Nov-2026 is 30 µmol/L higher than the lowest result in the previous 48 hours (100 µmol/L)',
    );
    const absolute = akiFlag(
      from(A, creatinine('c1', '2026-11-13T09:00:00Z', 250), creatinine('c2', '2026-11-16T09:00:00Z', 400)),
      { now: NOW },
    );
    expect([absolute?.text, absolute?.reason]).toEqual([
      'Acute kidney injury warning: stage 3',
      'Creatinine 400 µmol/L on 16-Nov-2026 is above 354 µmol/L and 1.6 × the lowest result in the previous 7 days (250 µmol/L)',
    ]);
  });

  it('combines sources, takes the newest creatinine of any source as current, and says so', () => {
    const flag = akiFlag(
      [
        ...from(A, creatinine('a1', '2026-10-10T09:00:00Z', 96)),
        ...from(B, creatinine('b1', '2026-11-16T09:00:00Z', 151)),
      ],
      { now: NOW },
    );
    expect(flag?.reason).toBe(
      'Creatinine 151 µmol/L on 16-Nov-2026 is 1.5 × the one result from 8 to 365 days before (96 µmol/L); results from Hospital A and Hospital B combined',
    );
    // A higher result at one source followed by a normal one at another: no warning.
    expect(
      akiFlag(
        [
          ...from(A, creatinine('a1', '2026-11-14T09:00:00Z', 300)),
          ...from(B, creatinine('b1', '2026-11-16T09:00:00Z', 100)),
        ],
        { now: NOW },
      ),
    ).toBeUndefined();
  });

  it('converts mmol/L and mg/dL, and ignores values with no or unknown unit', () => {
    const mmol = (id: string, effective: string, value: number) =>
      creatinine(id, effective, value, { valueQuantity: { value, unit: 'mmol/L' } });
    const mg = (id: string, effective: string, value: number) =>
      creatinine(id, effective, value, {
        code: { coding: [{ system: LOINC, code: '2160-0' }] },
        valueQuantity: { value, code: 'mg/dL' },
      });
    const flag = akiFlag(
      from(A, mmol('c1', '2026-11-13T09:00:00Z', 0.078), mmol('c2', '2026-11-16T09:00:00Z', 0.182)),
      {
        now: NOW,
      },
    );
    expect(flag?.reason).toContain('Creatinine 182 µmol/L on 16-Nov-2026 is 2.3 × the lowest result');
    expect(
      akiFlag(from(A, mg('c1', '2026-11-13T09:00:00Z', 1.0), mg('c2', '2026-11-16T09:00:00Z', 2.0)), { now: NOW }),
    ).toMatchObject({ text: 'Acute kidney injury warning: stage 2', reason: expect.stringContaining('(88.4 µmol/L)') });
    // mixed units across sources: 1.0 mg/dL is 88.4 µmol/L, so 133 µmol/L is a ratio of 1.50
    expect(
      akiFlag(
        [...from(A, mg('a', '2026-11-13T09:00:00Z', 1.0)), ...from(B, creatinine('b', '2026-11-16T09:00:00Z', 133))],
        {
          now: NOW,
        },
      )?.text,
    ).toBe('Acute kidney injury warning: stage 1');
    const unitless = (id: string, effective: string, value: number) =>
      creatinine(id, effective, value, { valueQuantity: { value } });
    expect(
      akiFlag(from(A, unitless('c1', '2026-11-13T09:00:00Z', 78), unitless('c2', '2026-11-16T09:00:00Z', 182)), {
        now: NOW,
      }),
    ).toBeUndefined();
    expect(
      akiFlag(
        from(
          A,
          creatinine('c1', '2026-11-13T09:00:00Z', 78),
          creatinine('c2', '2026-11-16T09:00:00Z', 182, { valueQuantity: { value: 182, unit: 'mg/L' } }),
        ),
        { now: NOW },
      ),
    ).toBeUndefined();
  });

  it('only reads serum or plasma creatinine codes', () => {
    const blood = { code: { coding: [{ system: LOINC, code: '59826-8' }] } };
    expect(
      akiFlag(
        from(A, creatinine('c1', '2026-11-13T09:00:00Z', 78), creatinine('c2', '2026-11-16T09:00:00Z', 182, blood)),
        {
          now: NOW,
        },
      ),
    ).toBeUndefined();
  });

  it('counts only final, amended and corrected results', () => {
    for (const status of ['preliminary', 'entered-in-error', 'cancelled', 'registered', 'unknown'] as const) {
      const withdrawnCurrent = from(
        A,
        creatinine('c1', '2026-11-13T09:00:00Z', 78),
        creatinine('c2', '2026-11-16T09:00:00Z', 182, { status }),
      );
      expect(akiFlag(withdrawnCurrent, { now: NOW }), status).toBeUndefined();
      const withdrawnBaseline = from(
        A,
        creatinine('c1', '2026-11-13T09:00:00Z', 78, { status }),
        creatinine('c2', '2026-11-16T09:00:00Z', 182),
      );
      expect(akiFlag(withdrawnBaseline, { now: NOW }), status).toBeUndefined();
    }
    for (const status of ['amended', 'corrected'] as const) {
      const shown = from(
        A,
        creatinine('c1', '2026-11-13T09:00:00Z', 78),
        creatinine('c2', '2026-11-16T09:00:00Z', 182, { status }),
      );
      expect(akiFlag(shown, { now: NOW })?.text, status).toBe('Acute kidney injury warning: stage 2');
    }
  });

  it('counts the same result reported by two sources once', () => {
    // Unique results 80, 100, 200 have median 100 (ratio 1.9, stage 1); counting the 80 twice would give 90 (stage 2).
    const flag = akiFlag(
      [
        ...from(A, creatinine('a1', '2026-10-01T09:00:00Z', 80), creatinine('a2', '2026-09-01T09:00:00Z', 100)),
        ...from(B, creatinine('b1', '2026-10-01T09:00:00Z', 80), creatinine('b2', '2026-08-01T09:00:00Z', 200)),
        ...from(B, creatinine('b3', '2026-11-16T09:00:00Z', 190)),
      ],
      { now: NOW },
    );
    expect([flag?.text, flag?.reason]).toEqual([
      'Acute kidney injury warning: stage 1',
      expect.stringContaining('the median of the 3 results from 8 to 365 days before (100 µmol/L)'),
    ]);
  });

  it('ignores results dated after now', () => {
    const later = from(A, creatinine('c1', '2026-11-16T09:00:00Z', 78), creatinine('c2', '2026-11-18T09:00:00Z', 182));
    expect(akiFlag(later, { now: NOW })).toBeUndefined();
  });

  it('uses 3 × the upper reference limit of the current result for a patient under 18', () => {
    const current = (high?: number) =>
      creatinine('c2', '2026-11-16T09:00:00Z', 121, {
        ...(high === undefined ? {} : { referenceRange: [{ high: { value: high, unit: 'umol/L' } }] }),
      });
    const baseline = creatinine('c1', '2026-11-13T09:00:00Z', 70);
    const child = { now: NOW, birthDate: '2008-11-17' }; // 18 the day after C1
    expect(akiFlag(from(A, baseline, current(40)), child)).toMatchObject({
      text: 'Acute kidney injury warning: stage 3',
      reason: expect.stringContaining('above 3 × the upper reference limit (120 µmol/L)'),
    });
    expect(akiFlag(from(A, baseline, current(41)), child)?.text).toBe('Acute kidney injury warning: stage 1');
    expect(akiFlag(from(A, baseline, current()), child)?.text).toBe('Acute kidney injury warning: stage 1');
    // 18 on the day of the sample: the adult limit, 354 µmol/L, applies and 121 is below it.
    expect(akiFlag(from(A, baseline, current(40)), { now: NOW, birthDate: '2008-11-16' })?.text).toBe(
      'Acute kidney injury warning: stage 1',
    );
    // From the first instant of the 18th birthday.
    const midnight = (birthDate: string) =>
      akiFlag(
        from(
          A,
          baseline,
          creatinine('c2', '2026-11-16T00:00:00Z', 121, { referenceRange: [{ high: { value: 40, unit: 'umol/L' } }] }),
        ),
        { now: NOW, birthDate },
      )?.text;
    expect(midnight('2008-11-16')).toBe('Acute kidney injury warning: stage 1');
    expect(midnight('2008-11-17')).toBe('Acute kidney injury warning: stage 3');
  });
});

describe('akiFlag: the laboratory reported a stage', () => {
  const rise = [creatinine('c1', '2026-11-13T09:00:00Z', 78), creatinine('c2', '2026-11-16T09:00:00Z', 182)];

  it('shows the stage written on the current creatinine as the laboratory’s, over the computed one', () => {
    const [baseline, current] = rise as [Observation, Observation];
    const flag = akiFlag(from(A, baseline, { ...current, interpretation: [{ text: 'AKI warning stage 1' }] }), {
      now: NOW,
    });
    expect(flag).toEqual({
      id: 'hospital-a:Observation/c2:aki',
      source: A,
      computed: false,
      text: 'Acute kidney injury warning: stage 1',
      reason: 'AKI warning stage reported by the laboratory on 16-Nov-2026 with creatinine 182 µmol/L',
      severity: 'medium',
      date: '2026-11-16T09:00:00Z',
    });
  });

  it.each<[string, Partial<Observation>, number]>([
    ['a coded value', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '851951000000100' }] } }, 3],
    ['words', { valueCodeableConcept: { text: 'Acute kidney injury warning stage 3' } }, 3],
    ['a string', { valueString: 'Stage 1' }, 1],
    ['an integer', { valueInteger: 2 }, 2],
    ['a quantity', { valueQuantity: { value: 3 } }, 3],
  ])('reads a separate AKI warning stage observation with %s', (_, value, stage) => {
    const flag = akiFlag(from(A, ...rise, akiWarning('w1', '2026-11-16T09:00:00Z', value)), { now: NOW });
    expect(flag).toMatchObject({
      id: 'hospital-a:Observation/w1',
      source: A,
      computed: false,
      text: `Acute kidney injury warning: stage ${stage}`,
    });
  });

  it('recognises an uncoded AKI warning stage test by its name', () => {
    const named: Observation = {
      ...akiWarning('w1', '2026-11-16T09:00:00Z', { valueString: '1' }),
      code: { text: 'AKI warning stage' },
    };
    expect(akiFlag(from(B, ...rise, named), { now: NOW })).toMatchObject({
      source: B,
      computed: false,
      text: 'Acute kidney injury warning: stage 1',
    });
  });

  it('ignores a laboratory stage older than the newest creatinine, and a withdrawn one', () => {
    const old = akiWarning('w1', '2026-11-13T09:00:00Z', { valueInteger: 3 });
    expect(akiFlag(from(A, ...rise, old), { now: NOW })).toMatchObject({
      computed: true,
      text: 'Acute kidney injury warning: stage 2',
    });
    const withdrawn = {
      ...akiWarning('w2', '2026-11-16T09:00:00Z', { valueInteger: 3 }),
      status: 'entered-in-error' as const,
    };
    expect(akiFlag(from(A, ...rise, withdrawn), { now: NOW })?.computed).toBe(true);
  });

  it('shows a laboratory stage even with no creatinine to compute from', () => {
    expect(akiFlag(from(A, akiWarning('w1', '2026-11-16T09:00:00Z', { valueInteger: 2 })), { now: NOW })).toMatchObject(
      {
        source: A,
        computed: false,
        severity: 'high',
        reason: 'AKI warning stage reported by the laboratory on 16-Nov-2026',
      },
    );
  });
});

describe('akiFlag: properties', () => {
  const arbObservation = fc.record(
    {
      resourceType: fc.constant('Observation' as const),
      id: fc.string({ maxLength: 5 }),
      status: fc.constantFrom('final', 'amended', 'corrected', 'preliminary', 'entered-in-error', 'cancelled'),
      code: fc.constantFrom(
        { coding: [{ system: SNOMED, code: '1000731000000107' }] },
        { coding: [{ system: LOINC, code: '2160-0' }] },
        { coding: [{ system: SNOMED, code: '1007921000000107' }] },
        { text: 'AKI warning stage 2' },
        { text: 'Potassium' },
      ),
      effectiveDateTime: fc.oneof(
        fc
          .date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        fc.string({ maxLength: 12 }),
      ),
      valueQuantity: fc.record(
        {
          value: fc.double(),
          unit: fc.constantFrom('umol/L', 'mmol/L', 'mg/dL', 'g', ''),
          comparator: fc.constantFrom('<' as const, '>' as const),
        },
        { requiredKeys: ['value'] },
      ),
      valueString: fc.string({ maxLength: 20 }),
      valueInteger: fc.integer({ min: -1, max: 4 }),
      interpretation: fc.array(fc.record({ text: fc.constantFrom('AKI warning stage 3', 'High', 'stage 2') }), {
        maxLength: 2,
      }),
      referenceRange: fc.array(
        fc.record({ high: fc.record({ value: fc.double(), unit: fc.constantFrom('umol/L', 'mg/dL') }) }),
        { maxLength: 1 },
      ),
    },
    { requiredKeys: ['resourceType', 'code'] },
  );

  it('never throws; a computed flag never carries a source and a laboratory flag always does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ source: fc.constantFrom(A, B), observation: arbObservation }), { maxLength: 12 }),
        fc.option(fc.constantFrom('2010-05-01', '1950-01-01', '2020', 'junk'), { nil: undefined }),
        (observations, birthDate) => {
          const flag = akiFlag(observations as SourcedObservation[], { now: NOW, ...(birthDate ? { birthDate } : {}) });
          return flag === undefined || (flag.computed ? flag.source === undefined : flag.source !== undefined);
        },
      ),
    );
  });
});

describe('akiFlag recency', () => {
  const source = { id: 'hospital-a', name: 'Hospital A' };
  const creat = (id: string, value: number, effective: string) => ({
    source,
    observation: {
      resourceType: 'Observation' as const,
      id,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code: '14682-9' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: effective,
      valueQuantity: { value, unit: 'umol/L' },
    },
  });
  const rise = [creat('a', 80, '2026-10-01T09:00:00Z'), creat('b', 250, '2026-10-03T09:00:00Z')];

  it('raises the flag while the newest creatinine is at most 30 days old', () => {
    expect(akiFlag(rise, { now: new Date('2026-11-02T09:00:00Z') })?.text).toMatch(/stage 3/);
  });

  it('raises no flag once the newest creatinine is older than 30 days, or older than a configured limit', () => {
    expect(akiFlag(rise, { now: new Date('2026-11-02T09:00:01Z') })).toBeUndefined();
    expect(akiFlag(rise, { now: new Date('2026-10-10T09:00:00Z'), maxAgeDays: 5 })).toBeUndefined();
  });
});
