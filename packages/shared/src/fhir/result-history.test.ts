import { describe, expect, it } from 'vitest';
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import type { SourceRef } from '../view-models.ts';
import { buildSummary, type SourceAnswer } from './build-summary.ts';
import { analyteKey } from './result-history.ts';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const NHS = '9990000018';
const NOW = new Date('2026-11-25T12:00:00Z');
const A: SourceRef = { id: 'hospital-a', name: 'Hospital A' };
const B: SourceRef = { id: 'hospital-b', name: 'Hospital B' };
const subject = { reference: 'Patient/p1' };
const ACCESSION = 'https://lab.example/accession';
const POTASSIUM = { coding: [{ system: LOINC, code: '2823-3', display: 'Potassium' }] };
const CREATININE = { coding: [{ system: LOINC, code: '14682-9', display: 'Creatinine' }] };

interface Version {
  readonly id: string;
  readonly effective: string;
  readonly value: number;
  readonly status?: DiagnosticReport['status'];
  readonly issued?: string;
  readonly accession?: string;
  readonly code?: Observation['code'];
  readonly unit?: string;
}

function labReport(v: Version): [DiagnosticReport, Observation] {
  return [
    {
      resourceType: 'DiagnosticReport',
      id: v.id,
      status: v.status ?? 'final',
      code: { text: 'Urea and electrolytes' },
      subject,
      effectiveDateTime: v.effective,
      ...(v.issued ? { issued: v.issued } : {}),
      result: [{ reference: `Observation/${v.id}-obs` }],
      ...(v.accession ? { identifier: [{ system: ACCESSION, value: v.accession }] } : {}),
    },
    {
      resourceType: 'Observation',
      id: `${v.id}-obs`,
      status: (v.status ?? 'final') as Observation['status'], // the versions used are statuses of both
      code: v.code ?? POTASSIUM,
      subject,
      effectiveDateTime: v.effective,
      valueQuantity: { value: v.value, unit: v.unit ?? 'mmol/L' },
    },
  ];
}

function answer(source: SourceRef, versions: Version[]): SourceAnswer {
  const parts = versions.map(labReport);
  return {
    source,
    status: 'ok',
    fetchedAt: '2026-11-25T11:59:00Z',
    record: {
      patient: { resourceType: 'Patient', id: 'p1' },
      reports: parts.map(([r]) => r),
      observations: parts.map(([, o]) => o),
      documents: [],
      flags: [],
    },
  };
}

const values = (view: ReturnType<typeof buildSummary>) =>
  view.results.items.flatMap((r) => r.observations.map((o) => (o.value?.kind === 'quantity' ? o.value.value : NaN)));

describe('analyteKey', () => {
  it('prefers LOINC, then SNOMED CT, then the first coded system', () => {
    expect(
      analyteKey({
        coding: [
          { system: 'https://lab.example/local', code: 'K' },
          { system: SNOMED, code: '1000651000000109' },
          { system: LOINC, code: '2823-3' },
        ],
      }),
    ).toBe(`${LOINC}|2823-3`);
    expect(
      analyteKey({
        coding: [
          { system: 'https://lab.example/local', code: 'K' },
          { system: SNOMED, code: '1000651000000109' },
        ],
      }),
    ).toBe(`${SNOMED}|1000651000000109`);
    expect(analyteKey({ coding: [{ system: 'https://lab.example/local', code: 'K' }] })).toBe(
      'https://lab.example/local|K',
    );
  });

  it('gives no key to a result named only in text, or coded without a system', () => {
    expect(analyteKey({ text: 'Potassium' })).toBeUndefined();
    expect(analyteKey({ coding: [{ code: '2823-3', display: 'Potassium' }] })).toBeUndefined();
    expect(analyteKey(undefined)).toBeUndefined();
  });
});

describe('buildSummary: analyte history', () => {
  it('gathers every value of an analyte across reports and sources, newest first, and keys the rows to it', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'r1', effective: '2026-11-20T09:00:00Z', value: 5.9 },
          { id: 'r2', effective: '2026-06-01T09:00:00Z', value: 4.1 },
        ]),
        answer(B, [{ id: 'r3', effective: '2026-09-10T09:00:00Z', value: 4.6 }]),
      ],
      NOW,
    );
    expect(view.results.history).toHaveLength(1);
    const [history] = view.results.history;
    expect(history?.key).toBe(`${LOINC}|2823-3`);
    expect(history?.points.map((p) => [p.at, p.value, p.source.id, p.reportId])).toEqual([
      ['2026-11-20T09:00:00Z', { kind: 'quantity', value: 5.9, unit: 'mmol/L' }, 'hospital-a', 'hospital-a:r1'],
      ['2026-09-10T09:00:00Z', { kind: 'quantity', value: 4.6, unit: 'mmol/L' }, 'hospital-b', 'hospital-b:r3'],
      ['2026-06-01T09:00:00Z', { kind: 'quantity', value: 4.1, unit: 'mmol/L' }, 'hospital-a', 'hospital-a:r2'],
    ]);
    expect(view.results.items.flatMap((r) => r.observations.map((o) => o.historyKey))).toEqual([
      history?.key,
      history?.key,
      history?.key,
    ]);
  });

  it('has no history, and no key on the row, for an analyte measured once or named only in text', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'r1', effective: '2026-11-20T09:00:00Z', value: 5.9 },
          { id: 'r2', effective: '2026-11-10T09:00:00Z', value: 80, code: CREATININE, unit: 'umol/L' },
          { id: 'r3', effective: '2026-10-10T09:00:00Z', value: 1, code: { text: 'Mystery' } },
          { id: 'r4', effective: '2026-09-10T09:00:00Z', value: 2, code: { text: 'Mystery' } },
        ]),
      ],
      NOW,
    );
    expect(view.results.history).toEqual([]);
    expect(view.results.items.flatMap((r) => r.observations.filter((o) => o.historyKey))).toEqual([]);
  });

  it('shows the same value reported by two sources as one point', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'r1', effective: '2026-11-20T09:00:00Z', value: 5.9 },
          { id: 'r2', effective: '2026-06-01T09:00:00Z', value: 4.1 },
        ]),
        answer(B, [{ id: 'x1', effective: '2026-11-20T09:00:00Z', value: 5.9 }]),
      ],
      NOW,
    );
    expect(view.results.history[0]?.points).toHaveLength(2);
  });

  it('leaves out values older than the results window, as the list does', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'r1', effective: '2026-11-20T09:00:00Z', value: 5.9 },
          { id: 'r2', effective: '2024-06-01T09:00:00Z', value: 4.1 },
        ]),
      ],
      NOW,
      () => false,
      new Date('2024-11-25T12:00:00Z'),
    );
    expect(view.results.history).toEqual([]);
  });

  it('is empty when no source answered', () => {
    const view = buildSummary(NHS, [{ source: A, status: 'unavailable' }], NOW);
    expect(view.results).toMatchObject({ status: 'unavailable', items: [], history: [] });
  });
});

describe('buildSummary: superseded results show only in history', () => {
  it('shows the correction and keeps the value it replaced only in history, marked superseded', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'v1', effective: '2026-11-20T09:00:00Z', issued: '2026-11-20T12:00:00Z', value: 7.2, accession: 'L1' },
          {
            id: 'v2',
            effective: '2026-11-20T09:00:00Z',
            issued: '2026-11-21T08:00:00Z',
            value: 4.2,
            accession: 'L1',
            status: 'corrected',
          },
        ]),
      ],
      NOW,
    );
    expect(values(view)).toEqual([4.2]);
    expect(view.results.items[0]?.status).toBe('corrected');
    const points = view.results.history[0]?.points ?? [];
    expect(points.map((p) => [p.value.kind === 'quantity' && p.value.value, p.superseded ?? false])).toEqual([
      [4.2, false],
      [7.2, true],
    ]);
    expect(view.results.items[0]?.observations[0]?.historyKey).toBe(view.results.history[0]?.key);
  });

  it('tells versions issued at the same time apart by status: preliminary, then final, then amended', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'p', effective: '2026-11-20T09:00:00Z', value: 6.1, accession: 'L2', status: 'preliminary' },
          { id: 'f', effective: '2026-11-20T09:00:00Z', value: 6.3, accession: 'L2' },
        ]),
      ],
      NOW,
    );
    expect(values(view)).toEqual([6.3]);
    expect(view.results.history[0]?.points.find((p) => p.superseded)?.status).toBe('preliminary');
  });

  it('replaces a value across sources, without naming the older source as holding the same result', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'a', effective: '2026-11-20T09:00:00Z', issued: '2026-11-20T12:00:00Z', value: 7.2, accession: 'L3' },
        ]),
        answer(B, [
          {
            id: 'b',
            effective: '2026-11-20T09:00:00Z',
            issued: '2026-11-22T12:00:00Z',
            value: 4.4,
            accession: 'L3',
            status: 'amended',
          },
        ]),
      ],
      NOW,
    );
    expect(values(view)).toEqual([4.4]);
    expect(view.results.items[0]).toMatchObject({ source: B });
    expect(view.results.items[0]?.alsoFrom).toBeUndefined();
  });

  it('keeps versions that cannot be told apart as one result, as before', () => {
    const same = { effective: '2026-11-20T09:00:00Z', issued: '2026-11-20T12:00:00Z', value: 5, accession: 'L4' };
    const view = buildSummary(NHS, [answer(A, [{ id: 'a', ...same }]), answer(B, [{ id: 'b', ...same }])], NOW);
    expect(values(view)).toEqual([5]);
    expect(view.results.items[0]?.alsoFrom).toEqual([B]);
    expect(view.results.history).toEqual([]);
  });

  it('does not join reports whose identifiers differ, even with the same value and time', () => {
    const view = buildSummary(
      NHS,
      [
        answer(A, [
          { id: 'a', effective: '2026-11-20T09:00:00Z', issued: '2026-11-20T12:00:00Z', value: 7.2, accession: 'L5' },
          { id: 'b', effective: '2026-11-21T09:00:00Z', issued: '2026-11-21T12:00:00Z', value: 4.0, accession: 'L6' },
        ]),
      ],
      NOW,
    );
    expect(values(view)).toEqual([4.0, 7.2]);
    expect(view.results.history[0]?.points.some((p) => p.superseded)).toBe(false);
  });

  it('leaves a superseded creatinine out of the AKI warning', () => {
    const cr = (v: Partial<Version> & Pick<Version, 'id' | 'effective' | 'value'>): Version => ({
      code: CREATININE,
      unit: 'umol/L',
      ...v,
    });
    const baseline = cr({ id: 'c0', effective: '2026-11-20T09:00:00Z', issued: '2026-11-20T10:00:00Z', value: 80 });
    const wrong = cr({
      id: 'c1',
      effective: '2026-11-24T09:00:00Z',
      issued: '2026-11-24T10:00:00Z',
      value: 260,
      accession: 'L7',
    });
    const corrected = cr({
      id: 'c2',
      effective: '2026-11-24T09:00:00Z',
      issued: '2026-11-24T15:00:00Z',
      value: 85,
      accession: 'L7',
      status: 'corrected',
    });
    // The wrong value alone would raise a stage 3 warning (260 ÷ 80 = 3.25).
    const before = buildSummary(NHS, [answer(A, [baseline, wrong])], NOW);
    expect(before.flags.items.map((f) => f.text)).toEqual(['Acute kidney injury warning: stage 3']);
    const after = buildSummary(NHS, [answer(A, [baseline, wrong, corrected])], NOW);
    expect(after.flags.items).toEqual([]);
    expect(values(after)).toEqual([85, 80]);
  });
});
