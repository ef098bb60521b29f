import { describe, expect, it } from 'vitest';
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import type { ResultReport, SourceRef } from '../view-models.ts';
import { compareReportsNewestFirst, mapDiagnosticReport } from './map-diagnostic-report.ts';

const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const ACUTE: SourceRef = { id: 'acute', name: 'Example NHS Foundation Trust' };

function observation(
  id: string,
  display: string,
  value: number,
  unit: string,
  overrides: Partial<Observation> = {},
): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: SNOMED, code: `1000${id.length}`, display }] },
    subject: { reference: 'Patient/pat-1' },
    valueQuantity: { value, unit, system: UCUM, code: unit },
    ...overrides,
  };
}

const sodium = observation('na-1', 'Serum sodium level', 139, 'mmol/L');
const potassium = observation('k-1', 'Serum potassium level', 4.1, 'mmol/L');
const creatinine = observation('creat-1', 'Serum creatinine level', 88, 'umol/L');

function byId(...observations: Observation[]): Map<string, Observation> {
  return new Map(observations.map((o) => [o.id ?? '', o]));
}

function uAndE(overrides: Partial<DiagnosticReport> = {}): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id: 'dr-ue-1',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'CH', display: 'Chemistry' }] },
    ],
    code: { coding: [{ system: SNOMED, code: '252167001', display: 'Urea and electrolytes' }] },
    subject: { reference: 'Patient/pat-1' },
    effectiveDateTime: '2025-03-04T09:15:00Z',
    issued: '2025-03-04T14:02:11Z',
    performer: [{ reference: 'Organization/path-lab', display: 'Blood Sciences, Example NHS Foundation Trust' }],
    result: [{ reference: 'Observation/na-1' }, { reference: 'Observation/k-1' }, { reference: 'Observation/creat-1' }],
    ...overrides,
  };
}

describe('mapDiagnosticReport', () => {
  it('maps a report with its observations in report order, scoped to the source', () => {
    const item = mapDiagnosticReport(uAndE(), byId(creatinine, sodium, potassium), ACUTE);
    expect(item).toMatchObject({
      id: 'acute:dr-ue-1',
      source: ACUTE,
      name: { display: 'Urea and electrolytes', system: SNOMED, code: '252167001' },
      status: 'final',
      effective: '2025-03-04T09:15:00Z',
      issued: '2025-03-04T14:02:11Z',
      performer: 'Blood Sciences, Example NHS Foundation Trust',
    });
    expect(item?.observations.map((o) => o.id)).toEqual(['na-1', 'k-1', 'creat-1']);
  });

  it('resolves relative, absolute and versioned references', () => {
    const report = uAndE({
      result: [
        { reference: 'Observation/na-1' },
        { reference: 'https://fhir.example.nhs.uk/R4/Observation/k-1' },
        { reference: 'Observation/creat-1/_history/2' },
      ],
    });
    expect(
      mapDiagnosticReport(report, byId(sodium, potassium, creatinine), ACUTE)?.observations.map((o) => o.id),
    ).toEqual(['na-1', 'k-1', 'creat-1']);
  });

  it('skips unresolvable references, missing observations and withdrawn observations', () => {
    const report = uAndE({
      result: [
        { reference: 'Observation/na-1' },
        { reference: 'Observation/missing' },
        { display: 'Potassium' },
        { reference: 'Specimen/k-1' },
        { reference: 'Observation/creat-1' },
      ],
    });
    const withdrawn = { ...creatinine, status: 'entered-in-error' as const };
    expect(
      mapDiagnosticReport(report, byId(sodium, potassium, withdrawn), ACUTE)?.observations.map((o) => o.id),
    ).toEqual(['na-1']);
  });

  it('gives undefined for a report with no shown observations and no conclusion', () => {
    expect(mapDiagnosticReport(uAndE(), new Map(), ACUTE)).toBeUndefined();
    expect(mapDiagnosticReport(uAndE({ conclusion: '   ' }), new Map(), ACUTE)).toBeUndefined();
  });

  it('keeps a report with only a conclusion', () => {
    const xray = uAndE({
      id: 'dr-cxr-1',
      code: { coding: [{ system: SNOMED, code: '399208008', display: 'Plain chest X-ray' }] },
      result: [],
      conclusion: ' No focal consolidation. ',
    });
    expect(mapDiagnosticReport(xray, new Map(), ACUTE)).toMatchObject({
      id: 'acute:dr-cxr-1',
      conclusion: 'No focal consolidation.',
      observations: [],
    });
  });

  it.each(['registered', 'partial', 'appended', 'cancelled', 'entered-in-error', 'unknown'] as const)(
    'never shows a report with status %s',
    (status) => {
      expect(mapDiagnosticReport(uAndE({ status }), byId(sodium, potassium, creatinine), ACUTE)).toBeUndefined();
    },
  );

  it.each(['final', 'amended', 'corrected', 'preliminary'] as const)('shows a report with status %s', (status) => {
    expect(mapDiagnosticReport(uAndE({ status }), byId(sodium), ACUTE)?.status).toBe(status);
  });

  it('drops a report without id or name', () => {
    const { id: _id, ...noId } = uAndE();
    expect(mapDiagnosticReport(noId, byId(sodium), ACUTE)).toBeUndefined();
    expect(mapDiagnosticReport(uAndE({ code: { coding: [] } }), byId(sodium), ACUTE)).toBeUndefined();
  });

  it('takes the effective time from a period start and the first performer with a display', () => {
    const { effectiveDateTime: _e, ...base } = uAndE();
    const report: DiagnosticReport = {
      ...base,
      effectivePeriod: { start: '2025-03-04T08:00:00Z' },
      performer: [{ reference: 'Practitioner/1' }, { display: 'Haematology, Example NHS Foundation Trust' }],
    };
    expect(mapDiagnosticReport(report, byId(sodium), ACUTE)).toMatchObject({
      effective: '2025-03-04T08:00:00Z',
      performer: 'Haematology, Example NHS Foundation Trust',
    });
  });
});

describe('compareReportsNewestFirst', () => {
  function report(id: string, dates: { effective?: string; issued?: string }): ResultReport {
    return { id, source: ACUTE, name: { display: id }, status: 'final', observations: [], ...dates };
  }

  it('sorts newest first by effective time, else issued, undated last', () => {
    const reports = [
      report('undated', {}),
      report('jan', { effective: '2025-01-10T09:00:00Z', issued: '2025-04-01T00:00:00Z' }),
      report('march-issued-only', { issued: '2025-03-01T12:00:00Z' }),
      report('feb', { effective: '2025-02-01' }),
      report('march', { effective: '2025-03-04T09:15:00Z' }),
    ];
    expect(reports.sort(compareReportsNewestFirst).map((r) => r.id)).toEqual([
      'march',
      'march-issued-only',
      'feb',
      'jan',
      'undated',
    ]);
  });

  it('compares instants, not strings, across time zones', () => {
    const a = report('a', { effective: '2025-03-04T10:00:00+01:00' }); // 09:00Z
    const b = report('b', { effective: '2025-03-04T09:30:00Z' });
    expect([a, b].sort(compareReportsNewestFirst).map((r) => r.id)).toEqual(['b', 'a']);
  });
});

describe('mapDiagnosticReport: laboratory reports only', () => {
  const SOURCE = { id: 'hospital-a', name: 'Hospital A' };
  const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
  const obs = new Map([
    [
      'o1',
      {
        resourceType: 'Observation' as const,
        id: 'o1',
        status: 'final' as const,
        code: { text: 'Sodium' },
        valueQuantity: { value: 140, unit: 'mmol/L' },
      },
    ],
  ]);
  const report = (category?: { system: string; code: string }[]) => ({
    resourceType: 'DiagnosticReport' as const,
    id: 'r1',
    status: 'final' as const,
    code: { text: 'Report' },
    result: [{ reference: 'Observation/o1' }],
    ...(category ? { category: [{ coding: category }] } : {}),
  });

  it('keeps laboratory sections and reports without a category', () => {
    for (const category of [
      undefined,
      [{ system: V2, code: 'LAB' }],
      [{ system: V2, code: 'HM' }],
      [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
      [
        { system: V2, code: 'RAD' },
        { system: V2, code: 'LAB' },
      ],
    ]) {
      expect(mapDiagnosticReport(report(category), obs, SOURCE), JSON.stringify(category)).toBeDefined();
    }
  });

  it('leaves out imaging and other non-laboratory reports', () => {
    for (const code of ['RAD', 'CT', 'EC', 'CTH'])
      expect(mapDiagnosticReport(report([{ system: V2, code }]), obs, SOURCE), code).toBeUndefined();
  });
});
