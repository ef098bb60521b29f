import { buildSummary, type SourceAnswer, type SourceRecord } from '@care-sidebar/shared';
import { describe, expect, it } from 'vitest';
import { ViewMemo } from './view-memo.ts';

const A = '9990000018';
const B = '9990000026';
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const source = { id: 'hospital-a', name: 'Hospital A' };
const fetchedAt = '2026-11-25T09:59:00.000Z';

const record = (nhsNumber: string): SourceRecord => ({
  patient: {
    resourceType: 'Patient',
    id: `p-${nhsNumber}`,
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber }],
    name: [{ family: 'Testpatient', given: ['Alice'] }],
  },
  reports: [],
  observations: [],
  documents: [],
  flags: [],
});
const ok = (r: SourceRecord): SourceAnswer[] => [{ source, status: 'ok', fetchedAt, record: r }];
const notFound: SourceAnswer[] = [{ source, status: 'not-found', fetchedAt }];
const memo = (over: Partial<ConstructorParameters<typeof ViewMemo>[0]> = {}) =>
  new ViewMemo({ validityMs: 1_000, maxBytes: 1_000_000, maxEntries: 100, ...over });
const build = (nhs: string, answers: SourceAnswer[], now = T0) => buildSummary(nhs, answers, now);

describe('ViewMemo', () => {
  it('returns the view built from the very same answers, with its JSON, while it is fresh', () => {
    const m = memo();
    const r = record(A);
    const answers = ok(r);
    const built = m.set(A, answers, T0, build(A, answers));
    expect(new TextDecoder().decode(built.json)).toBe(JSON.stringify(built.view));
    // A new answers array (as each request makes) around the same cached record: reused.
    expect(m.get(A, ok(r), at(999))).toBe(built);
    expect(m.get(A, answers, at(1_000))).toBeUndefined();
    expect(m.get(A, answers, at(-1))).toBeUndefined(); // a clock that went back: built again
  });

  it("never returns another patient's view, even for answers that look the same", () => {
    const m = memo();
    m.set(A, notFound, T0, build(A, notFound));
    // Patient B unknown to the same source, fetched at the same instant: the answers are equal.
    expect(m.get(B, [{ ...notFound[0]! }], T0)).toBeUndefined();
    const forB = m.set(B, notFound, T0, build(B, notFound));
    expect(forB.view.patient.nhsNumber).toBe(B);
    expect(m.get(A, notFound, T0)?.view.patient.nhsNumber).toBe(A);
    expect(m.get(B, notFound, T0)?.view.patient.nhsNumber).toBe(B);
    // A view whose banner names someone else is never kept.
    m.set('9990000034', notFound, T0, build(A, notFound));
    expect(m.get('9990000034', notFound, T0)).toBeUndefined();
  });

  it('rebuilds when any answer changed: a new record object, another status or retrieval time, another source', () => {
    const m = memo();
    const r = record(A);
    m.set(A, ok(r), T0, build(A, ok(r)));
    expect(m.get(A, ok(r), T0)).toBeDefined();
    expect(m.get(A, ok(record(A)), T0)).toBeUndefined(); // refreshed: an equal but new record
    expect(m.get(A, [{ source, status: 'ok', fetchedAt: '2026-11-25T09:59:30.000Z', record: r }], T0)).toBeUndefined();
    expect(m.get(A, [{ source, status: 'mismatch' }], T0)).toBeUndefined();
    expect(
      m.get(A, [{ source: { id: 'hospital-b', name: 'B' }, status: 'ok', fetchedAt, record: r }], T0),
    ).toBeUndefined();
    expect(
      m.get(A, [...ok(r), { source: { id: 'hospital-b', name: 'B' }, status: 'unavailable' }], T0),
    ).toBeUndefined();
  });

  it('is bounded by patients and bytes, and can be turned off', () => {
    const m = memo({ maxEntries: 2 });
    for (const nhs of [A, B, '9990000034']) m.set(nhs, notFound, T0, build(nhs, notFound));
    expect(m.size).toBe(2);
    const tiny = memo({ maxBytes: 10 });
    tiny.set(A, notFound, T0, build(A, notFound));
    expect(tiny.size).toBe(0);
    const off = memo({ validityMs: 0 });
    off.set(A, notFound, T0, build(A, notFound));
    expect(off.get(A, notFound, T0)).toBeUndefined();
  });
});
