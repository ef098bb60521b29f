import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type {
  CodeableConcept,
  DiagnosticReport,
  DocumentReference,
  Flag,
  HumanName,
  Observation,
  ObservationReferenceRange,
  Patient,
  Quantity,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../nhs-number.ts';
import type { SourceRef } from '../view-models.ts';
import { buildSummary, type SourceAnswer } from './build-summary.ts';
import { V3_INTERPRETATION, mapInterpretation } from './interpretation.ts';
import { mapDiagnosticReport } from './map-diagnostic-report.ts';
import { mapDocumentReference } from './map-document-reference.ts';
import { mapFlag } from './map-flag.ts';
import { mapObservation } from './map-observation.ts';

// Synthetic, UK Core-shaped resources with random status, codes, values and dates.

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const NHS_NUMBERS = ['9990000018', '9990000026'] as const;
const NOW = new Date('2025-06-01T10:00:00.000Z');

const SHOWN_RESULT = new Set(['final', 'amended', 'corrected', 'preliminary']);
const OBSERVATION_STATUSES = [
  'registered',
  'preliminary',
  'final',
  'amended',
  'corrected',
  'cancelled',
  'entered-in-error',
  'unknown',
] as const;
const REPORT_STATUSES = [...OBSERVATION_STATUSES, 'partial', 'appended'] as const;

const arbId = fc.stringMatching(/^[A-Za-z0-9\-.]{1,12}$/);
const arbText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('Serum potassium level', 'Discharge summary', '  ', ''),
);

const arbIsoDate = fc
  .date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 10), d.toISOString().slice(0, 19) + '+01:00'),
  );
/** Mostly valid FHIR dates and dateTimes, sometimes junk: mappers must cope with either. */
const arbDate = fc.oneof({ weight: 9, arbitrary: arbIsoDate }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });

const arbCoding = fc.record(
  {
    system: fc.constantFrom(SNOMED, LOINC, UCUM, V3_INTERPRETATION, 'https://lims.example.nhs.uk/codes'),
    code: fc.oneof(
      fc.constantFrom('1000651000000109', '2823-3', '252167001', '373942005', 'H', 'L', 'N', 'safety'),
      fc.string({ maxLength: 8 }),
    ),
    display: arbText,
  },
  { requiredKeys: [] },
);

const arbConcept: fc.Arbitrary<CodeableConcept> = fc.record(
  { text: arbText, coding: fc.array(arbCoding, { maxLength: 3 }) },
  { requiredKeys: [] },
);

const arbUnit = fc.constantFrom('umol/L', 'mmol/L', 'mg/L', 'g/L', 'µmol/L', '%', '');
const arbQuantity: fc.Arbitrary<Quantity> = fc.record(
  {
    value: fc.oneof(
      fc.integer({ min: -10, max: 500 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.constantFrom(Number.NaN, Infinity),
    ),
    unit: arbUnit,
    system: fc.constant(UCUM),
    code: arbUnit,
    comparator: fc.constantFrom('<', '<=', '>=', '>'),
  },
  { requiredKeys: [] },
);

const arbRange: fc.Arbitrary<ObservationReferenceRange> = fc.record(
  { low: arbQuantity, high: arbQuantity, text: arbText },
  { requiredKeys: [] },
);

const arbInterpretation: fc.Arbitrary<CodeableConcept> = fc.oneof(
  fc
    .constantFrom('N', 'H', 'L', 'HH', 'LL', 'A', 'AA', 'POS', 'NEG', 'IND')
    .map((code) => ({ coding: [{ system: V3_INTERPRETATION, code }] })),
  arbConcept,
);

const arbObservationStatus = fc.constantFrom(...OBSERVATION_STATUSES);

function arbObservation(id: fc.Arbitrary<string> = arbId): fc.Arbitrary<Observation> {
  return fc
    .record(
      {
        id,
        status: arbObservationStatus,
        code: arbConcept,
        valueQuantity: arbQuantity,
        valueString: arbText,
        valueInteger: fc.integer({ min: -5, max: 100 }),
        valueBoolean: fc.boolean(),
        valueCodeableConcept: arbConcept,
        dataAbsentReason: arbConcept,
        interpretation: fc.array(arbInterpretation, { maxLength: 2 }),
        referenceRange: fc.array(arbRange, { maxLength: 2 }),
        effectiveDateTime: arbDate,
        issued: arbDate,
      },
      { requiredKeys: ['status', 'code'] },
    )
    .map((o): Observation => ({ resourceType: 'Observation', ...o }));
}

const OBS_IDS = ['na-1', 'k-1', 'creat-1', 'egfr-1'];
const arbObservationRef = fc
  .tuple(
    fc.constantFrom(...OBS_IDS, 'missing'),
    fc.constantFrom('', 'https://fhir.example.nhs.uk/R4/', 'Observation-bad/'),
    fc.boolean(),
  )
  .map(([id, prefix, versioned]) => ({ reference: `${prefix}Observation/${id}${versioned ? '/_history/2' : ''}` }));

const arbDiagnosticReport: fc.Arbitrary<DiagnosticReport> = fc
  .record(
    {
      id: arbId,
      status: fc.constantFrom(...REPORT_STATUSES),
      code: arbConcept,
      effectiveDateTime: arbDate,
      issued: arbDate,
      performer: fc.array(fc.record({ display: arbText }, { requiredKeys: [] }), { maxLength: 2 }),
      conclusion: arbText,
      result: fc.array(fc.oneof(arbObservationRef, fc.record({ display: arbText })), { maxLength: 5 }),
    },
    { requiredKeys: ['status', 'code'] },
  )
  .map((r): DiagnosticReport => ({ resourceType: 'DiagnosticReport', ...r }));

const arbPoolObservations = fc
  .tuple(...OBS_IDS.map((id) => fc.option(arbObservation(fc.constant(id)), { nil: undefined })))
  .map((list) => list.filter((o): o is Observation => o !== undefined));

const arbAttachment = fc.record(
  {
    contentType: fc.constantFrom(
      'application/pdf',
      'APPLICATION/PDF',
      'text/html; charset=utf-8',
      'Text/HTML',
      'text/plain',
      ' ',
      '',
    ),
    title: arbText,
    creation: arbDate,
  },
  { requiredKeys: [] },
);

const arbDocumentReference: fc.Arbitrary<DocumentReference> = fc
  .record(
    {
      id: arbId,
      status: fc.constantFrom('current', 'superseded', 'entered-in-error'),
      docStatus: fc.constantFrom('preliminary', 'final', 'amended', 'entered-in-error'),
      type: arbConcept,
      description: arbText,
      date: arbDate,
      author: fc.array(fc.record({ display: arbText }, { requiredKeys: [] }), { maxLength: 2 }),
      custodian: fc.record({ display: arbText }),
      content: fc.array(fc.record({ attachment: arbAttachment }), { maxLength: 4 }),
      context: fc.record(
        { practiceSetting: arbConcept, period: fc.record({ start: arbDate }, { requiredKeys: [] }) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['status', 'content'] },
  )
  .map((d): DocumentReference => ({ resourceType: 'DocumentReference', ...d }));

const arbPriority = fc.constantFrom('PH', 'PM', 'PL', 'PN', 'PX').map((code) => ({
  url: 'http://hl7.org/fhir/StructureDefinition/flag-priority',
  valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-priority-code', code }] },
}));

const arbFlag: fc.Arbitrary<Flag> = fc
  .record(
    {
      id: arbId,
      status: fc.constantFrom('active', 'inactive', 'entered-in-error'),
      category: fc.array(
        fc.constantFrom('safety', 'clinical', 'behavioral', 'admin').map((code) => ({
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code }],
        })),
        { maxLength: 2 },
      ),
      code: arbConcept,
      period: fc.record({ start: arbDate, end: arbDate }, { requiredKeys: [] }),
      extension: fc.array(arbPriority, { maxLength: 1 }),
      meta: fc.record({ lastUpdated: arbDate }),
    },
    { requiredKeys: ['status', 'code'] },
  )
  .map((f): Flag => ({ resourceType: 'Flag', subject: { reference: 'Patient/pat-1' }, ...f }));

const arbName: fc.Arbitrary<HumanName> = fc.record(
  {
    use: fc.constantFrom('official', 'usual', 'old', 'nickname'),
    family: arbText,
    given: fc.array(arbText, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** A Patient that may claim any NHS number, or none: buildSummary must ignore it for the banner's number. */
const arbPatient: fc.Arbitrary<Patient> = fc
  .record(
    {
      identifier: fc.array(
        fc.record({
          system: fc.constant(NHS_NUMBER_SYSTEM),
          value: fc.oneof(fc.constantFrom(...NHS_NUMBERS), fc.stringMatching(/^\d{10}$/)),
        }),
        {
          maxLength: 2,
        },
      ),
      name: fc.array(arbName, { maxLength: 3 }),
      birthDate: arbDate,
      gender: fc.constantFrom('male', 'female', 'other', 'unknown'),
    },
    { requiredKeys: [] },
  )
  .map((p): Patient => ({ resourceType: 'Patient', ...p }));

const arbRecord = fc.record({
  patient: arbPatient,
  reports: fc.array(arbDiagnosticReport, { maxLength: 4 }),
  observations: arbPoolObservations,
  documents: fc.array(arbDocumentReference, { maxLength: 4 }),
  flags: fc.array(arbFlag, { maxLength: 4 }),
});

const arbFetchedAt = fc
  .date({ min: new Date('2025-06-01T08:00:00Z'), max: NOW, noInvalidDate: true })
  .map((d) => d.toISOString());

/** Answers from up to four sources with distinct ids, in configured order. */
const arbAnswers: fc.Arbitrary<SourceAnswer[]> = fc
  .array(
    fc.oneof(
      fc.record({ status: fc.constant('ok' as const), fetchedAt: arbFetchedAt, record: arbRecord }),
      fc.record({ status: fc.constant('not-found' as const), fetchedAt: arbFetchedAt }),
      fc.record({ status: fc.constant('unavailable' as const) }),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((list) => list.map((a, i): SourceAnswer => ({ ...a, source: { id: `src-${i}`, name: `Source ${i}` } })));

const SOURCE: SourceRef = { id: 'acute', name: 'Example NHS Foundation Trust' };
const byId = (observations: readonly Observation[]) => new Map(observations.map((o) => [o.id ?? '', o]));

describe('mapObservation properties', () => {
  it('never throws, and never shows a status other than final/amended/corrected/preliminary', () => {
    fc.assert(
      fc.property(arbObservation(), (obs) => {
        const item = mapObservation(obs);
        if (!SHOWN_RESULT.has(obs.status)) expect(item).toBeUndefined();
        if (item) {
          expect(item.id).toBe(obs.id);
          expect(item.status).toBe(obs.status);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a source interpretation outside the known v3 set is abnormal and has a code', () => {
    const known = new Set(['N', 'H', 'L', 'HH', 'LL', 'HU', 'LU', 'A', 'AA', '>', '<', 'POS', 'DET', 'NEG', 'ND']);
    // Object.prototype names are excluded here: see the BUG test in interpretation.test.ts.
    const arbCode = fc.string({ minLength: 1, maxLength: 6 }).filter((c) => !known.has(c) && !(c in Object.prototype));
    fc.assert(
      fc.property(arbCode, arbText, (code, display) => {
        const item = mapInterpretation([{ coding: [{ system: V3_INTERPRETATION, code, display }] }]);
        expect(item).toMatchObject({ code, abnormal: true, computed: false });
      }),
    );
  });
});

describe('mapDiagnosticReport properties', () => {
  it('never throws, never shows a withdrawn report, and shows only shown observations', () => {
    fc.assert(
      fc.property(arbDiagnosticReport, arbPoolObservations, (report, observations) => {
        const item = mapDiagnosticReport(report, byId(observations), SOURCE);
        if (!SHOWN_RESULT.has(report.status)) expect(item).toBeUndefined();
        for (const o of item?.observations ?? []) expect(SHOWN_RESULT.has(o.status)).toBe(true);
        if (item) expect(item.observations.length > 0 || !!item.conclusion).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('mapDocumentReference properties', () => {
  it('never throws, and never shows a document that is not current or is entered-in-error', () => {
    fc.assert(
      fc.property(arbDocumentReference, (doc) => {
        const item = mapDocumentReference(doc, SOURCE);
        if (doc.status !== 'current' || doc.docStatus === 'entered-in-error') expect(item).toBeUndefined();
        if (item) {
          expect(item.title.trim()).not.toBe('');
          expect(new Set(item.contentTypes).size).toBe(item.contentTypes.length);
          for (const t of item.contentTypes) expect(t).toBe(t.toLowerCase());
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('mapFlag properties', () => {
  it('never throws, and never shows a flag that is not active or whose period ended before now', () => {
    fc.assert(
      fc.property(arbFlag, (flag) => {
        const item = mapFlag(flag, SOURCE, NOW);
        if (flag.status !== 'active') expect(item).toBeUndefined();
        const end = Date.parse(flag.period?.end ?? '');
        if (end < NOW.getTime()) expect(item).toBeUndefined();
        if (item) expect(['high', 'medium', 'low', 'unknown']).toContain(item.severity);
      }),
      { numRuns: 500 },
    );
  });
});

describe('buildSummary properties', () => {
  it('never shows an item from a source that answered unavailable or not-found', () => {
    fc.assert(
      fc.property(arbAnswers, (answers) => {
        const view = buildSummary(NHS_NUMBERS[0], answers, NOW);
        const silent = new Set(answers.filter((a) => a.status !== 'ok').map((a) => a.source.id));
        const itemSources = [...view.flags.items, ...view.results.items, ...view.letters.items].map(
          (i) => i.source?.id,
        );
        for (const id of itemSources) expect(silent.has(id ?? '')).toBe(false);
        for (const id of [...view.results.items, ...view.letters.items, ...view.flags.items].map((i) => i.id)) {
          expect(silent.has(id.split(':')[0] ?? '')).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("always carries the nhsNumber argument, whatever the sources' Patients say", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NHS_NUMBERS), arbAnswers, (nhsNumber, answers) => {
        expect(buildSummary(nhsNumber, answers, NOW).patient.nhsNumber).toBe(nhsNumber);
      }),
      { numRuns: 300 },
    );
  });

  it('section status and asOf follow the answers: asOf is the oldest fetchedAt among sources that answered', () => {
    fc.assert(
      fc.property(arbAnswers, (answers) => {
        const view = buildSummary(NHS_NUMBERS[1], answers, NOW);
        const answered = answers.filter(
          (a): a is Extract<SourceAnswer, { fetchedAt: string }> => a.status === 'ok' || a.status === 'not-found',
        );
        const expectedStatus =
          answered.length === answers.length ? 'ok' : answered.length === 0 ? 'unavailable' : 'partial';
        const oldest = answered
          .map((a) => a.fetchedAt)
          .reduce<string | undefined>(
            (min, t) => (min === undefined || Date.parse(t) < Date.parse(min) ? t : min),
            undefined,
          );
        for (const section of [view.flags, view.results, view.letters]) {
          expect(section.status).toBe(expectedStatus);
          expect(section.asOf).toBe(oldest);
          expect(section.sources.map((s) => s.status)).toEqual(answers.map((a) => a.status));
          if (expectedStatus === 'unavailable') expect(section.items).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lists results newest first', () => {
    fc.assert(
      fc.property(arbAnswers, (answers) => {
        const times = buildSummary(NHS_NUMBERS[0], answers, NOW).results.items.map(
          (r) => Date.parse(r.effective ?? r.issued ?? '') || 0,
        );
        for (let i = 1; i < times.length; i++) expect(times[i - 1]).toBeGreaterThanOrEqual(times[i] ?? 0);
      }),
      { numRuns: 300 },
    );
  });
});
