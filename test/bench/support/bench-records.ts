/**
 * Synthetic records for the benchmarks, beyond the e2e hospitals: one patient with 600 laboratory
 * results (400 reports of one result each, and 200 results no report groups), and a crowd of small
 * records to rotate through. All people are fictional; NHS numbers are from the 999 test range.
 */
import type { DiagnosticReport, Observation, Patient, Resource } from '@medplum/fhirtypes';

import { nhsCheckDigit, type SyntheticPatient } from '../../e2e/support/synthetic-hospitals.ts';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const HOUR_MS = 3_600_000;
const LAB_CATEGORY = [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
];
const LABS = [
  { name: 'Sodium', loinc: '2951-2', unit: 'mmol/L', base: 139 },
  { name: 'Potassium', loinc: '6298-4', unit: 'mmol/L', base: 4.4 },
  { name: 'Urea', loinc: '22664-7', unit: 'mmol/L', base: 6.1 },
  { name: 'Creatinine', loinc: '2160-0', unit: 'umol/L', base: 88 },
  { name: 'C-reactive protein', loinc: '1988-5', unit: 'mg/L', base: 12 },
  { name: 'Haemoglobin', loinc: '718-7', unit: 'g/L', base: 131 },
  { name: 'Alanine aminotransferase', loinc: '1742-6', unit: 'U/L', base: 31 },
  { name: 'Haemoglobin A1c', loinc: '4548-4', unit: 'mmol/mol', base: 48 },
] as const;

/** The n-th valid NHS number in 999 1xx xxx x (Modulus 11), skipping bodies whose check digit would be 10. */
export function benchNhsNumbers(count: number, offset = 0): string[] {
  const out: string[] = [];
  for (let n = offset; out.length < count; n++) {
    const body = `9991${String(n).padStart(5, '0')}`;
    const check = nhsCheckDigit(body);
    if (check !== undefined) out.push(`${body}${check}`);
  }
  return out;
}

export const LARGE_RECORD_PATIENT: SyntheticPatient = {
  nhsNumber: benchNhsNumbers(1, 90_000)[0] as string,
  given: 'Octavia',
  family: 'Manyresults',
  birthDate: '1951-08-30',
};

export const LARGE_RECORD_RESULTS = 600;

function patient(id: string, p: SyntheticPatient): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: p.nhsNumber }],
    name: [{ use: 'official', family: p.family, given: [p.given] }],
    birthDate: p.birthDate,
  };
}

function observation(base: string, id: string, patientId: string, i: number, at: string): Observation {
  const lab = LABS[i % LABS.length] as (typeof LABS)[number];
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: LAB_CATEGORY,
    code: { coding: [{ system: 'http://loinc.org', code: lab.loinc, display: lab.name }] },
    subject: { reference: `${base}/Patient/${patientId}` },
    effectiveDateTime: at,
    issued: at,
    valueQuantity: { value: Math.round(lab.base * (0.8 + ((i * 37) % 40) / 100) * 10) / 10, unit: lab.unit },
    // Limits to one decimal, as a laboratory writes them (not 166.79999999999998).
    referenceRange: [
      { low: { value: Math.round(lab.base * 8) / 10 }, high: { value: Math.round(lab.base * 12) / 10 } },
    ],
  };
}

function report(base: string, id: string, patientId: string, name: string, at: string, obs: string): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { text: name },
    subject: { reference: `${base}/Patient/${patientId}` },
    effectiveDateTime: at,
    issued: at,
    result: [{ reference: `${base}/Observation/${obs}` }],
  };
}

/** 600 results, one every 20 hours back from `now` (all inside the 24-month results window). */
export function largeRecordResources(now: Date): (base: string) => Resource[] {
  return (base) => {
    const pid = 'big-1';
    const out: Resource[] = [patient(pid, LARGE_RECORD_PATIENT)];
    for (let i = 0; i < LARGE_RECORD_RESULTS; i++) {
      const at = new Date(now.getTime() - (i + 1) * 20 * HOUR_MS).toISOString();
      const obsId = `big-obs-${i}`;
      out.push(observation(base, obsId, pid, i, at));
      if (i % 3 !== 2) out.push(report(base, `big-dr-${i}`, pid, `Panel ${i}`, at, obsId));
    }
    return out;
  };
}

/** `count` patients with a small record each (three results), for rotating load. */
export function crowdResources(patients: readonly string[], now: Date): (base: string) => Resource[] {
  return (base) =>
    patients.flatMap((nhsNumber, p) => {
      const pid = `crowd-${p}`;
      const out: Resource[] = [
        patient(pid, { nhsNumber, given: 'Crowd', family: `Member${p}`, birthDate: '1970-01-01' }),
      ];
      for (let i = 0; i < 3; i++) {
        const at = new Date(now.getTime() - (i + 1) * 24 * HOUR_MS).toISOString();
        out.push(observation(base, `crowd-${p}-obs-${i}`, pid, p + i, at));
        out.push(report(base, `crowd-${p}-dr-${i}`, pid, `Panel ${i}`, at, `crowd-${p}-obs-${i}`));
      }
      return out;
    });
}
