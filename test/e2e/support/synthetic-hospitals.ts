/**
 * Synthetic UK Core-shaped records of two fictional hospitals, written for the standalone BFF
 * test and deliberately unlike the project's own fixtures: numeric HAPI-style ids at one
 * hospital, absolute references everywhere, quantities with a UCUM `code` and no `unit`, a
 * versioned result reference, letters titled only by their attachment, codings without `text`.
 *
 * All people are fictional; NHS numbers are from the 999 test range.
 */
import type {
  DiagnosticReport,
  DocumentReference,
  Flag,
  Identifier,
  Observation,
  Patient,
  Resource,
} from '@medplum/fhirtypes';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const DAY_MS = 86_400_000;

/** Modulus 11 check digit of the first nine digits, or undefined when the number cannot be valid (10). */
export function nhsCheckDigit(firstNine: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

export interface SyntheticPatient {
  readonly nhsNumber: string;
  readonly given: string;
  readonly family: string;
  readonly birthDate: string;
}

/** Known to both hospitals. */
export const MARIGOLD: SyntheticPatient = {
  nhsNumber: '9997314069',
  given: 'Marigold',
  family: 'Quennell',
  birthDate: '1958-03-21',
};
/** Known to Calderbrook only. */
export const THADDEUS: SyntheticPatient = {
  nhsNumber: '9998205743',
  given: 'Thaddeus',
  family: 'Brackenbury',
  birthDate: '1947-11-02',
};
/** Another Calderbrook patient, never launched: nothing of theirs may appear anywhere. */
export const PERPETUA: SyntheticPatient = {
  nhsNumber: '9995032678',
  given: 'Perpetua',
  family: 'Oakenshaw',
  birthDate: '1990-06-09',
};
/** 999 642 918 with check digit 1 instead of 0. */
export const BAD_CHECK_DIGIT_NHS_NUMBER = '9996429181';

/** A lab value as the hospital sends it: UCUM code only, no human `unit`. */
interface LabValue {
  readonly name: string;
  readonly loinc: string;
  readonly value: number;
  readonly ucum: string;
}

export const LAB = {
  potassium: { name: 'Potassium', loinc: '6298-4', value: 6.1, ucum: 'mmol/L' },
  /** The potassium as first issued, before the report was re-issued under the same accession number. */
  potassiumFirstIssue: { name: 'Potassium', loinc: '6298-4', value: 7.4, ucum: 'mmol/L' },
  urea: { name: 'Urea', loinc: '22664-7', value: 14.7, ucum: 'mmol/L' },
  hba1c: { name: 'Haemoglobin A1c', loinc: '4548-4', value: 61.2, ucum: 'mmol/mol' },
  haemoglobinInError: { name: 'Haemoglobin', loinc: '718-7', value: 83.5, ucum: 'g/L' },
  crp: { name: 'C-reactive protein', loinc: '1988-5', value: 96.3, ucum: 'mg/L' },
  alt: { name: 'Alanine aminotransferase', loinc: '1742-6', value: 87.2, ucum: 'U/L' },
  bilirubin: { name: 'Bilirubin', loinc: '1975-2', value: 41.6, ucum: 'umol/L' },
  troponin: { name: 'Troponin T', loinc: '67151-1', value: 38.6, ucum: 'ng/L' },
  perpetuaSodium: { name: 'Sodium', loinc: '2951-2', value: 129.4, ucum: 'mmol/L' },
} as const satisfies Record<string, LabValue>;

export const REPORT = {
  ue: 'Urea, electrolytes and creatinine',
  fbcInError: 'Full blood count',
  crp: 'CRP',
  lft: 'Liver function tests',
  cultureCancelled: 'Blood culture',
  troponin: 'High-sensitivity troponin',
} as const;

export const LETTER = {
  discharge: 'Discharge summary – Ward 14 (Respiratory)',
  dischargeSuperseded: 'Provisional discharge note – Ward 14',
  dermatologyInError: 'Dermatology clinic letter – filed in error',
  rheumatology: 'Rheumatology clinic letter',
  rheumatologyDraft: 'Rheumatology clinic letter (draft, replaced)',
  emergency: 'Emergency department attendance summary',
  perpetuaCardiology: 'Cardiology outpatient letter',
} as const;

export const FLAG = {
  airway: 'Difficult airway – alert anaesthetist before sedation',
  transport: 'Requires hospital transport',
  noroExpired: 'Isolation: norovirus contact',
  mrsaInactive: 'MRSA carrier',
  penicillinInError: 'Penicillin allergy (recorded in error)',
} as const;

export const HOSPITAL = {
  calderbrook: { id: 'calderbrook', name: 'Calderbrook General Hospital (synthetic)' },
  fellmoor: { id: 'fellmoor', name: 'Fellmoor Community Hospital (synthetic)' },
} as const;

/** Report and observation times, relative to the moment the test runs. */
export const RESULT_DAYS_AGO = { crp: 1, ue: 2, troponin: 3, lft: 9, hba1c: 40, fbcInError: 0.5, culture: 0.25 };

function at(now: Date, daysAgo: number): string {
  return new Date(now.getTime() - daysAgo * DAY_MS).toISOString();
}

function day(now: Date, daysFromNow: number): string {
  return new Date(now.getTime() + daysFromNow * DAY_MS).toISOString().slice(0, 10);
}

function nhsIdentifier(nhsNumber: string): Identifier {
  return {
    system: NHS_NUMBER_SYSTEM,
    value: nhsNumber,
    extension: [
      {
        url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
        valueCodeableConcept: {
          coding: [
            {
              system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
              code: '01',
              display: 'Number present and verified',
            },
          ],
        },
      },
    ],
  };
}

function patient(id: string, p: SyntheticPatient, mrn: Identifier, gender: Patient['gender']): Patient {
  return {
    resourceType: 'Patient',
    id,
    meta: { lastUpdated: '2025-01-06T09:12:44.120+00:00', versionId: '3' },
    identifier: [nhsIdentifier(p.nhsNumber), mrn],
    name: [
      { use: 'old', family: `${p.family}-Former`, given: [p.given] },
      { use: 'official', family: p.family, given: [p.given] },
    ],
    gender,
    birthDate: p.birthDate,
  } as Patient;
}

const LAB_CATEGORY = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
        code: 'laboratory',
        display: 'Laboratory',
      },
    ],
  },
];

function observation(
  base: string,
  id: string,
  patientId: string,
  lab: LabValue,
  effective: string,
  status: Observation['status'] = 'final',
): Observation {
  return {
    resourceType: 'Observation',
    id,
    status,
    category: LAB_CATEGORY,
    // A coding with a display and no `text`.
    code: { coding: [{ system: LOINC, code: lab.loinc, display: lab.name }] },
    subject: { reference: `${base}/Patient/${patientId}` },
    effectiveDateTime: effective,
    issued: effective,
    valueQuantity: { value: lab.value, system: UCUM, code: lab.ucum },
  };
}

function report(
  base: string,
  id: string,
  patientId: string,
  name: string,
  effective: string,
  results: readonly string[],
  status: DiagnosticReport['status'] = 'final',
): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id,
    status,
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
      },
    ],
    code: { coding: [{ system: SNOMED, code: '15220000', display: 'Laboratory test' }], text: name },
    subject: { reference: `${base}/Patient/${patientId}` },
    effectiveDateTime: effective,
    issued: effective,
    result: results.map((ref) => ({ reference: ref.startsWith('http') ? ref : `${base}/Observation/${ref}` })),
  };
}

function letter(
  base: string,
  id: string,
  patientId: string,
  attachmentTitle: string,
  date: string,
  status: DocumentReference['status'],
  extra: Partial<DocumentReference> = {},
): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id,
    status,
    type: { coding: [{ system: SNOMED, code: '371531000', display: 'Report of clinical encounter' }] },
    subject: { reference: `${base}/Patient/${patientId}` },
    date,
    // Titled only by the attachment: no `description`.
    content: [{ attachment: { contentType: 'application/pdf', url: `${base}/Binary/${id}`, title: attachmentTitle } }],
    ...extra,
  };
}

function flag(
  base: string,
  id: string,
  patientId: string,
  text: string,
  status: Flag['status'],
  period: { start: string; end?: string },
  extra: Partial<Flag> = {},
): Flag {
  return {
    resourceType: 'Flag',
    id,
    status,
    code: { coding: [{ system: 'https://calderbrook.example/CodeSystem/alerts', code: id, display: text }] },
    subject: { reference: `${base}/Patient/${patientId}` },
    period,
    ...extra,
  };
}

const UE_ACCESSION: Identifier = { system: 'https://calderbrook.example/Id/lab-accession', value: 'CB-BS-26-114873' };

/** Calderbrook: string ids, Marigold, Thaddeus and Perpetua. */
export function calderbrookResources(now: Date): (base: string) => Resource[] {
  return (base) => {
    const m = 'cb-5f2e9a';
    const t = 'cb-81c07d';
    const p = 'cb-2d4c6e';
    const mrn = (value: string): Identifier => ({ system: 'https://calderbrook.example/Id/mrn', value });
    return [
      patient(m, MARIGOLD, mrn('CB0048213'), 'female'),
      patient(t, THADDEUS, mrn('CB0071190'), 'male'),
      patient(p, PERPETUA, mrn('CB0093356'), 'female'),

      // Marigold: a final U&E panel, an entered-in-error FBC (newer!), a lone HbA1c, a heart rate (not a lab result).
      // The U&E was first issued with another potassium and re-issued an hour later under the same
      // accession number: the first issue must show only in the potassium's history.
      {
        ...report(base, 'cb-dr-ue-0', m, REPORT.ue, at(now, RESULT_DAYS_AGO.ue), ['cb-obs-k-0']),
        identifier: [UE_ACCESSION],
      },
      observation(base, 'cb-obs-k-0', m, LAB.potassiumFirstIssue, at(now, RESULT_DAYS_AGO.ue)),
      {
        ...report(base, 'cb-dr-ue-1', m, REPORT.ue, at(now, RESULT_DAYS_AGO.ue), ['cb-obs-k-1', 'cb-obs-urea-1']),
        identifier: [UE_ACCESSION],
        issued: at(now, RESULT_DAYS_AGO.ue - 1 / 24),
      },
      observation(base, 'cb-obs-k-1', m, LAB.potassium, at(now, RESULT_DAYS_AGO.ue)),
      observation(base, 'cb-obs-urea-1', m, LAB.urea, at(now, RESULT_DAYS_AGO.ue)),
      report(
        base,
        'cb-dr-fbc-1',
        m,
        REPORT.fbcInError,
        at(now, RESULT_DAYS_AGO.fbcInError),
        ['cb-obs-hb-1'],
        'entered-in-error',
      ),
      observation(
        base,
        'cb-obs-hb-1',
        m,
        LAB.haemoglobinInError,
        at(now, RESULT_DAYS_AGO.fbcInError),
        'entered-in-error',
      ),
      observation(base, 'cb-obs-hba1c-1', m, LAB.hba1c, at(now, RESULT_DAYS_AGO.hba1c)),
      {
        ...observation(
          base,
          'cb-obs-hr-1',
          m,
          { name: 'Heart rate', loinc: '8867-4', value: 88, ucum: '/min' },
          at(now, 1),
        ),
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
        ],
      },
      letter(base, 'cb-doc-ds-2', m, LETTER.discharge, at(now, 6), 'current', {
        type: { coding: [{ system: SNOMED, code: '373942005', display: 'Discharge summary' }] },
        docStatus: 'final',
        author: [{ display: 'Calderbrook Respiratory Medicine' }],
        relatesTo: [{ code: 'replaces', target: { reference: `${base}/DocumentReference/cb-doc-ds-1` } }],
      }),
      letter(base, 'cb-doc-ds-1', m, LETTER.dischargeSuperseded, at(now, 7), 'superseded'),
      letter(base, 'cb-doc-derm-1', m, LETTER.dermatologyInError, at(now, 3), 'current', {
        docStatus: 'entered-in-error',
      }),
      flag(
        base,
        'cb-flag-airway',
        m,
        FLAG.airway,
        'active',
        { start: day(now, -20), end: day(now, 90) },
        {
          category: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety', display: 'Safety' },
              ],
            },
          ],
        },
      ),
      flag(base, 'cb-flag-noro', m, FLAG.noroExpired, 'active', { start: day(now, -30), end: day(now, -10) }),
      flag(base, 'cb-flag-mrsa', m, FLAG.mrsaInactive, 'inactive', { start: day(now, -400) }),

      // Thaddeus: one troponin and an ED summary.
      report(base, 'cb-dr-trop-1', t, REPORT.troponin, at(now, RESULT_DAYS_AGO.troponin), ['cb-obs-trop-1']),
      observation(base, 'cb-obs-trop-1', t, LAB.troponin, at(now, RESULT_DAYS_AGO.troponin)),
      letter(base, 'cb-doc-ed-1', t, LETTER.emergency, at(now, 3), 'current', { docStatus: 'final' }),

      // Perpetua: never launched.
      observation(base, 'cb-obs-na-p', p, LAB.perpetuaSodium, at(now, 1)),
      letter(base, 'cb-doc-card-p', p, LETTER.perpetuaCardiology, at(now, 2), 'current'),
    ];
  };
}

/** Fellmoor: numeric HAPI-style ids, Marigold only, served two matches a page. */
export function fellmoorResources(now: Date): (base: string) => Resource[] {
  return (base) => {
    const m = '48213';
    return [
      patient(m, MARIGOLD, { system: 'https://fellmoor.example/Id/hospital-number', value: 'F-220-4471' }, 'female'),
      report(base, '50117', m, REPORT.crp, at(now, RESULT_DAYS_AGO.crp), ['50118']),
      observation(base, '50118', m, LAB.crp, at(now, RESULT_DAYS_AGO.crp)),
      // The ALT result is referenced with its version, as some servers write it.
      report(base, '50120', m, REPORT.lft, at(now, RESULT_DAYS_AGO.lft), [
        `${base}/Observation/50121/_history/2`,
        '50122',
      ]),
      { ...observation(base, '50121', m, LAB.alt, at(now, RESULT_DAYS_AGO.lft)), meta: { versionId: '2' } },
      observation(base, '50122', m, LAB.bilirubin, at(now, RESULT_DAYS_AGO.lft)),
      {
        ...report(base, '50125', m, REPORT.cultureCancelled, at(now, RESULT_DAYS_AGO.culture), [], 'cancelled'),
        conclusion: 'Specimen not received in the laboratory',
      },
      letter(base, '50130', m, LETTER.rheumatologyDraft, at(now, 5), 'superseded'),
      letter(base, '50131', m, LETTER.rheumatology, at(now, 4), 'current', {
        type: { coding: [{ system: SNOMED, code: '371530004', display: 'Clinical consultation report' }] },
        context: { practiceSetting: { coding: [{ system: SNOMED, code: '394810000', display: 'Rheumatology' }] } },
        relatesTo: [{ code: 'replaces', target: { reference: `${base}/DocumentReference/50130` } }],
      }),
      flag(
        base,
        '50140',
        m,
        FLAG.transport,
        'active',
        { start: day(now, -30), end: day(now, 14) },
        {
          extension: [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/flag-priority',
              valueCodeableConcept: {
                coding: [{ system: 'http://hl7.org/fhir/flag-priority-code', code: 'PM', display: 'Medium priority' }],
              },
            },
          ],
        },
      ),
      flag(base, '50141', m, FLAG.penicillinInError, 'entered-in-error', { start: day(now, -60) }),
    ];
  };
}
