import { describe, expect, it } from 'vitest';
import type {
  DiagnosticReport,
  DocumentReference,
  Flag,
  Observation,
  Patient,
  RiskAssessment,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../nhs-number.ts';
import type { SourceRef } from '../view-models.ts';
import { buildSummary, type SourceAnswer, type SourceRecord } from './build-summary.ts';

const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const NHS = '9990000018';
const NOW = new Date('2025-06-01T10:00:00.000Z');
// Builders' resources refer to the patient by NHS number, as a logical reference, at every source.
const ABOUT = { identifier: { system: NHS_NUMBER_SYSTEM, value: NHS } };
const GP: SourceRef = { id: 'gp', name: 'Riverside Surgery' };
const ACUTE: SourceRef = { id: 'acute', name: 'Example NHS Foundation Trust' };
const COMMUNITY: SourceRef = { id: 'community', name: 'Example Community Health Services' };

function patient(family: string, given: string, nhsNumber = NHS): Patient {
  return {
    resourceType: 'Patient',
    id: `pat-${family}`,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
    name: [{ use: 'official', family, given: [given] }],
    birthDate: '1984-07-21',
  };
}

function observation(id: string, value: number): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: SNOMED, code: '1000651000000109', display: 'Serum potassium level' }] },
    subject: ABOUT,
    valueQuantity: { value, unit: 'mmol/L', system: UCUM, code: 'mmol/L' },
  };
}

function report(id: string, effective: string, observationIds: string[]): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    code: { coding: [{ system: SNOMED, code: '252167001', display: 'Urea and electrolytes' }] },
    subject: ABOUT,
    effectiveDateTime: effective,
    result: observationIds.map((o) => ({ reference: `Observation/${o}` })),
  };
}

function letter(id: string, date: string): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    type: { coding: [{ system: SNOMED, code: '373942005', display: 'Discharge summary' }] },
    subject: ABOUT,
    date,
    content: [{ attachment: { contentType: 'application/pdf' } }],
  };
}

function flag(id: string, start: string, categoryCode = 'clinical'): Flag {
  return {
    resourceType: 'Flag',
    id,
    status: 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: categoryCode }] }],
    code: { text: `Flag ${id}` },
    subject: ABOUT,
    period: { start },
  };
}

function record(overrides: Partial<SourceRecord> = {}): SourceRecord {
  return { patient: patient('Example', 'Ada'), reports: [], observations: [], documents: [], flags: [], ...overrides };
}

const ok = (source: SourceRef, fetchedAt: string, rec: SourceRecord = record()): SourceAnswer => ({
  source,
  status: 'ok',
  fetchedAt,
  record: rec,
});
const notFound = (source: SourceRef, fetchedAt: string): SourceAnswer => ({ source, status: 'not-found', fetchedAt });
const unavailable = (source: SourceRef): SourceAnswer => ({ source, status: 'unavailable' });

describe('buildSummary: patient banner', () => {
  it("carries the session's NHS number even when the source's Patient says another", () => {
    const view = buildSummary(
      NHS,
      [ok(GP, '2025-06-01T09:59:00.000Z', record({ patient: patient('Example', 'Ada', '9990000026') }))],
      NOW,
    );
    expect(view.patient.nhsNumber).toBe(NHS);
  });

  it('takes demographics from the first source, in configured order, that knows the patient', () => {
    const view = buildSummary(
      NHS,
      [
        unavailable(GP),
        notFound(COMMUNITY, '2025-06-01T09:58:00.000Z'),
        ok(ACUTE, '2025-06-01T09:59:00.000Z', record({ patient: patient('Acute', 'Ada') })),
        ok(GP, '2025-06-01T09:59:00.000Z', record({ patient: patient('Later', 'Ada') })),
      ],
      NOW,
    );
    expect(view.patient).toMatchObject({ nhsNumber: NHS, name: { family: 'Acute' }, source: ACUTE });
  });

  it('has only the NHS number when no source knows the patient', () => {
    expect(buildSummary(NHS, [unavailable(GP), notFound(ACUTE, '2025-06-01T09:59:00.000Z')], NOW).patient).toEqual({
      nhsNumber: NHS,
    });
  });
});

describe('buildSummary: section status and asOf', () => {
  it('is ok when every source answered, counting not-found as an answer', () => {
    const view = buildSummary(
      NHS,
      [ok(GP, '2025-06-01T09:59:00.000Z'), notFound(ACUTE, '2025-06-01T09:58:00.000Z')],
      NOW,
    );
    for (const section of [view.flags, view.results, view.letters]) expect(section.status).toBe('ok');
  });

  it('is partial when some sources did not answer', () => {
    const view = buildSummary(NHS, [ok(GP, '2025-06-01T09:59:00.000Z'), unavailable(ACUTE)], NOW);
    for (const section of [view.flags, view.results, view.letters]) expect(section.status).toBe('partial');
  });

  it('is unavailable with no items and no asOf when no source answered', () => {
    const view = buildSummary(NHS, [unavailable(GP), unavailable(ACUTE)], NOW);
    for (const section of [view.flags, view.results, view.letters]) {
      expect(section.status).toBe('unavailable');
      expect(section.items).toEqual([]);
      expect(section).not.toHaveProperty('asOf');
    }
  });

  it('takes asOf from the oldest fetchedAt among the sources that answered', () => {
    const view = buildSummary(
      NHS,
      [
        ok(GP, '2025-06-01T09:59:30.000Z'),
        notFound(COMMUNITY, '2025-06-01T09:41:12.000Z'),
        ok(ACUTE, '2025-06-01T09:50:00.000Z'),
        unavailable({ id: 'x', name: 'X' }),
      ],
      NOW,
    );
    expect(view.results.asOf).toBe('2025-06-01T09:41:12.000Z');
    expect(view.flags.asOf).toBe('2025-06-01T09:41:12.000Z');
    expect(view.letters.asOf).toBe('2025-06-01T09:41:12.000Z');
  });

  it('lists every source outcome in configured order', () => {
    const view = buildSummary(
      NHS,
      [ok(GP, '2025-06-01T09:59:00.000Z'), unavailable(ACUTE), notFound(COMMUNITY, '2025-06-01T09:58:00.000Z')],
      NOW,
    );
    expect(view.results.sources).toEqual([
      { source: GP, status: 'ok', asOf: '2025-06-01T09:59:00.000Z' },
      { source: ACUTE, status: 'unavailable' },
      { source: COMMUNITY, status: 'not-found', asOf: '2025-06-01T09:58:00.000Z' },
    ]);
  });

  it('stamps generatedAt from now', () => {
    expect(buildSummary(NHS, [], NOW).generatedAt).toBe('2025-06-01T10:00:00.000Z');
  });
});

describe('buildSummary: items', () => {
  it('merges items from every source, each sorted, with source-scoped ids', () => {
    const gp = record({
      reports: [report('dr-1', '2025-01-10T09:00:00Z', ['k-1'])],
      observations: [observation('k-1', 4.1)],
      documents: [letter('doc-1', '2024-12-01')],
      flags: [flag('f-1', '2024-01-01')],
    });
    const acute = record({
      reports: [report('dr-1', '2025-05-20T09:00:00Z', ['k-1'])],
      observations: [observation('k-1', 5.9)],
      documents: [letter('doc-1', '2025-05-21')],
      flags: [flag('f-9', '2020-01-01', 'safety')],
    });
    const view = buildSummary(
      NHS,
      [ok(GP, '2025-06-01T09:59:00.000Z', gp), ok(ACUTE, '2025-06-01T09:59:00.000Z', acute)],
      NOW,
    );
    expect(view.results.items.map((r) => r.id)).toEqual(['acute:dr-1', 'gp:dr-1']);
    expect(view.letters.items.map((l) => l.id)).toEqual(['acute:doc-1', 'gp:doc-1']);
    expect(view.flags.items.map((f) => [f.id, f.severity])).toEqual([
      ['acute:f-9', 'high'],
      ['gp:f-1', 'unknown'],
    ]);
  });

  it("resolves a report's observations only within its own source", () => {
    const gp = record({
      reports: [report('dr-1', '2025-01-10T09:00:00Z', ['k-1'])],
      observations: [observation('k-1', 4.1)],
    });
    const acute = record({ reports: [report('dr-2', '2025-05-20T09:00:00Z', ['k-1'])], observations: [] });
    const view = buildSummary(
      NHS,
      [ok(GP, '2025-06-01T09:59:00.000Z', gp), ok(ACUTE, '2025-06-01T09:59:00.000Z', acute)],
      NOW,
    );
    expect(view.results.items.map((r) => r.id)).toEqual(['gp:dr-1']); // acute's report had nothing to show
    expect(view.results.items[0]?.observations[0]?.value).toEqual({ kind: 'quantity', value: 4.1, unit: 'mmol/L' });
  });

  it('uses now to decide which flags are current', () => {
    const ended: Flag = {
      ...flag('f-ended', '2024-01-01'),
      period: { start: '2024-01-01', end: '2025-05-01T00:00:00Z' },
    };
    const view = buildSummary(
      NHS,
      [ok(GP, '2025-06-01T09:59:00.000Z', record({ flags: [ended, flag('f-now', '2025-01-01')] }))],
      NOW,
    );
    expect(view.flags.items.map((f) => f.id)).toEqual(['gp:f-now']);
  });

  it('drops withdrawn records', () => {
    const rec = record({
      reports: [{ ...report('dr-1', '2025-01-10T09:00:00Z', ['k-1']), status: 'entered-in-error' }],
      observations: [observation('k-1', 4.1)],
      documents: [{ ...letter('doc-1', '2025-01-01'), status: 'superseded' }],
      flags: [{ ...flag('f-1', '2024-01-01'), status: 'inactive' }],
    });
    const view = buildSummary(NHS, [ok(GP, '2025-06-01T09:59:00.000Z', rec)], NOW);
    expect([view.results.items, view.letters.items, view.flags.items]).toEqual([[], [], []]);
  });
});

describe('buildSummary: ungrouped observations and withheld panels', () => {
  const SOURCE = { id: 'hospital-a', name: 'Hospital A' };
  const NOW = new Date('2026-11-25T12:00:00Z');
  const subject = { reference: 'Patient/p1' };
  const obs = (id: string, text: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Observation' as const,
    id,
    status: 'final' as const,
    code: { text },
    subject,
    valueQuantity: { value: 1, unit: 'mmol/L' },
    ...extra,
  });
  const answer = (observations: Observation[], reports: DiagnosticReport[] = []): SourceAnswer => ({
    source: SOURCE,
    status: 'ok',
    fetchedAt: '2026-11-25T11:59:00Z',
    record: { patient: { resourceType: 'Patient', id: 'p1' }, reports, observations, documents: [], flags: [] },
  });

  it('shows an observation that no report groups as its own result, and a grouped one only in its report', () => {
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'r1',
      status: 'final',
      code: { text: 'Panel' },
      subject,
      result: [{ reference: 'Observation/o1' }],
    };
    const view = buildSummary('9990000018', [answer([obs('o1', 'Grouped'), obs('o2', 'Loose')], [report])], NOW);
    expect(view.results.items.map((r) => [r.name.display, r.observations.map((o) => o.name.display)])).toEqual(
      expect.arrayContaining([
        ['Panel', ['Grouped']],
        ['Loose', ['Loose']],
      ]),
    );
    expect(view.results.items).toHaveLength(2);
  });

  it('withholds the whole panel, including its other observations, when one observation is excluded', () => {
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'r1',
      status: 'final',
      code: { text: 'Virology' },
      subject,
      result: [{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }],
    };
    const excluded = (r: { id?: string }) => r.id === 'o1';
    const view = buildSummary(
      '9990000018',
      [answer([obs('o1', 'Sensitive'), obs('o2', 'Companion')], [report])],
      NOW,
      excluded,
    );
    expect(view.results.items).toEqual([]);
  });

  it('marks a section partial and the source incomplete when the source could not send everything', () => {
    const a = answer([obs('o1', 'One')]);
    const incomplete: SourceAnswer = a.status === 'ok' ? { ...a, record: { ...a.record, incomplete: ['results'] } } : a;
    const view = buildSummary('9990000018', [incomplete], NOW);
    expect(view.results.status).toBe('partial');
    expect(view.results.sources[0]?.status).toBe('incomplete');
    expect(view.letters.status).toBe('ok');
  });
});

describe('buildSummary: AKI warning', () => {
  const creatinine = (id: string, effective: string, value: number): Observation => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: SNOMED, code: '1000731000000107', display: 'Serum creatinine level' }] },
    subject: ABOUT,
    effectiveDateTime: effective,
    valueQuantity: { value, unit: 'umol/L', system: UCUM, code: 'umol/L' },
  });

  it('computes an AKI warning from a creatinine rise across two sources, among the flags by severity', () => {
    const gp = record({
      observations: [creatinine('cr-1', '2025-05-28T09:00:00Z', 78)],
      flags: [flag('f-1', '2024-01-01')],
    });
    const acute = record({ observations: [creatinine('cr-1', '2025-05-31T09:00:00Z', 182)] });
    const answers = [ok(GP, '2025-06-01T09:59:00.000Z', gp), ok(ACUTE, '2025-06-01T09:59:00.000Z', acute)];
    const view = buildSummary(NHS, answers, NOW);
    expect(view.flags.items).toEqual([
      {
        id: 'computed:aki',
        computed: true,
        text: 'Acute kidney injury warning: stage 2',
        reason:
          'Creatinine 182 µmol/L on 31-May-2025 is 2.3 × the lowest result in the previous 7 days (78 µmol/L); results from Riverside Surgery and Example NHS Foundation Trust combined',
        severity: 'high',
        date: '2025-05-31T09:00:00Z',
      },
      expect.objectContaining({ id: 'gp:f-1' }),
    ]);
    // Each source alone has no rise to see.
    expect(buildSummary(NHS, answers.slice(1), NOW).flags.items).toEqual([]);
  });
});

describe('buildSummary: the same item from two sources, and risk assessments', () => {
  const A = { id: 'hospital-a', name: 'Hospital A' };
  const B = { id: 'hospital-b', name: 'Hospital B' };
  const NOW = new Date('2026-11-25T12:00:00Z');
  const subject = { reference: 'Patient/p1' };
  const report = (id: string, accession?: string, value = 140): [DiagnosticReport, Observation] => [
    {
      resourceType: 'DiagnosticReport',
      id,
      status: 'final',
      code: { text: 'Urea and electrolytes' },
      subject,
      effectiveDateTime: '2026-11-20T09:00:00Z',
      result: [{ reference: `Observation/${id}-na` }],
      ...(accession ? { identifier: [{ system: 'https://lab.example/accession', value: accession }] } : {}),
    },
    {
      resourceType: 'Observation',
      id: `${id}-na`,
      status: 'final',
      code: { text: 'Sodium' },
      subject,
      valueQuantity: { value, unit: 'mmol/L' },
    },
  ];
  const answer = (
    source: typeof A,
    parts: {
      reports?: DiagnosticReport[];
      observations?: Observation[];
      documents?: DocumentReference[];
      riskAssessments?: RiskAssessment[];
    },
  ): SourceAnswer => ({
    source,
    status: 'ok',
    fetchedAt: '2026-11-25T11:59:00Z',
    record: {
      patient: { resourceType: 'Patient', id: 'p1' },
      reports: parts.reports ?? [],
      observations: parts.observations ?? [],
      documents: parts.documents ?? [],
      flags: [],
      riskAssessments: parts.riskAssessments ?? [],
    },
  });

  it('shows a result reported by two sources once, naming the other source', () => {
    const [ra, oa] = report('a1');
    const [rb, ob] = report('b9');
    const view = buildSummary(
      '9990000018',
      [answer(A, { reports: [ra], observations: [oa] }), answer(B, { reports: [rb], observations: [ob] })],
      NOW,
    );
    expect(view.results.items).toHaveLength(1);
    expect(view.results.items[0]).toMatchObject({ source: A, alsoFrom: [B] });
  });

  it('keeps two results that differ in value, and matches on a shared accession number even if content differs', () => {
    const [ra, oa] = report('a1', undefined, 140);
    const [rb, ob] = report('b9', undefined, 135);
    expect(
      buildSummary(
        '9990000018',
        [answer(A, { reports: [ra], observations: [oa] }), answer(B, { reports: [rb], observations: [ob] })],
        NOW,
      ).results.items,
    ).toHaveLength(2);
    const [rc, oc] = report('a2', 'ACC-1', 140);
    const [rd, od] = report('b2', 'ACC-1', 141);
    expect(
      buildSummary(
        '9990000018',
        [answer(A, { reports: [rc], observations: [oc] }), answer(B, { reports: [rd], observations: [od] })],
        NOW,
      ).results.items,
    ).toHaveLength(1);
  });

  it('shows a letter held by two sources once, by its master identifier', () => {
    const doc = (id: string, title: string): DocumentReference => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      masterIdentifier: { system: 'https://docs.example/id', value: 'DOC-77' },
      subject,
      description: title,
      date: '2026-11-18',
      content: [{ attachment: { contentType: 'text/plain', data: 'eA==' } }],
    });
    const view = buildSummary(
      '9990000018',
      [
        answer(A, { documents: [doc('x', 'Discharge summary')] }),
        answer(B, { documents: [doc('y', 'Discharge summary (copy)')] }),
      ],
      NOW,
    );
    expect(view.letters.items.map((l) => [l.title, l.alsoFrom])).toEqual([['Discharge summary', [B]]]);
  });

  it('adds final risk assessments to the flags, most severe first', () => {
    const ra: RiskAssessment = {
      resourceType: 'RiskAssessment',
      id: 'r1',
      status: 'final',
      subject,
      prediction: [
        {
          outcome: { text: 'deterioration' },
          qualitativeRisk: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/risk-probability',
                code: 'high',
                display: 'High likelihood',
              },
            ],
          },
        },
      ],
    };
    const draft: RiskAssessment = { ...ra, id: 'r2', status: 'preliminary' };
    const view = buildSummary('9990000018', [answer(A, { riskAssessments: [ra, draft] })], NOW);
    expect(view.flags.items.map((f) => [f.text, f.severity, f.source?.id])).toEqual([
      ['Risk of deterioration: High likelihood', 'high', 'hospital-a'],
    ]);
  });
});
