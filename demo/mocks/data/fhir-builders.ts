/**
 * Small builders for UK Core-shaped FHIR R4 resources, so the synthetic data files
 * read as clinical content rather than JSON plumbing. Everything built here is
 * fictional. Codes are real SNOMED CT / LOINC / UCUM codes chosen to be plausible;
 * the `text` on each concept is what a clinician would read.
 *
 * UK Core profiles: https://simplifier.net/hl7fhirukcorer4
 */
import type {
  Attachment,
  CodeableConcept,
  Coding,
  Consent,
  DiagnosticReport,
  DocumentReference,
  Flag,
  Observation,
  ObservationReferenceRange,
  Patient,
  Quantity,
} from '@medplum/fhirtypes';

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const FLAG_CATEGORY = 'http://terminology.hl7.org/CodeSystem/flag-category';
const UK_CORE = 'https://fhir.hl7.org.uk/StructureDefinition';

/** A deterministic UUID-shaped id from a name (FNV-1a), for sources whose ids are opaque. */
export function stableUuid(name: string): string {
  let hex = '';
  for (let seed = 0; seed < 4; seed++) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < name.length; i++) {
      h ^= name.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    hex += h.toString(16).padStart(8, '0');
  }
  // Shape it as an RFC 9562 version-4-looking UUID (variant 10xx).
  const v = `4${hex.slice(13, 16)}`;
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${v}-${variant}-${hex.slice(20, 32)}`;
}

/** Base64 of UTF-8 text, in Node and in browsers alike. */
export function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export interface Code {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

function concept(code: Code, text?: string): CodeableConcept {
  const coding: Coding = { system: code.system, code: code.code, display: code.display };
  return { coding: [coding], text: text ?? code.display };
}

// ---------------------------------------------------------------- Patient

export interface PatientInput {
  readonly id: string;
  readonly nhsNumber: string;
  readonly prefix: string;
  readonly given: readonly string[];
  readonly family: string;
  readonly gender: 'male' | 'female' | 'other' | 'unknown';
  readonly birthDate: string;
  readonly address: { readonly lines: readonly string[]; readonly city: string; readonly postalCode: string };
  readonly lastUpdated: string;
  /** The registered GP practice as this hospital recorded it (display only, fictional). */
  readonly gpPractice?: string;
}

/** UK Core Patient with a verified NHS number (Extension-UKCore-NHSNumberVerificationStatus, code 01). */
export function ukCorePatient(p: PatientInput): Patient {
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: { versionId: '1', lastUpdated: p.lastUpdated, profile: [`${UK_CORE}/UKCore-Patient`] },
    identifier: [
      {
        extension: [
          {
            url: `${UK_CORE}/Extension-UKCore-NHSNumberVerificationStatus`,
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
        system: NHS_NUMBER_SYSTEM,
        value: p.nhsNumber,
      },
    ],
    active: true,
    name: [{ use: 'official', family: p.family, given: [...p.given], prefix: [p.prefix] }],
    gender: p.gender,
    birthDate: p.birthDate,
    address: [{ use: 'home', line: [...p.address.lines], city: p.address.city, postalCode: p.address.postalCode, country: 'GB' }],
    ...(p.gpPractice ? { generalPractitioner: [{ type: 'Organization', display: p.gpPractice }] } : {}),
  };
}

// ---------------------------------------------------------------- Observation

export type InterpretationCode = 'N' | 'H' | 'L' | 'HH' | 'LL' | 'A' | 'NEG' | 'POS';

const INTERPRETATION_DISPLAY: Readonly<Record<InterpretationCode, string>> = {
  N: 'Normal',
  H: 'High',
  L: 'Low',
  HH: 'Critical high',
  LL: 'Critical low',
  A: 'Abnormal',
  NEG: 'Negative',
  POS: 'Positive',
};

export type LabValue =
  | { readonly quantity: number; readonly ucum: string; readonly unit?: string; readonly comparator?: '<' | '>' | '<=' | '>=' }
  | { readonly text: string }
  | { readonly concept: Code };

export interface LabObservationInput {
  readonly id: string;
  readonly patientId: string;
  readonly code: Code;
  readonly text?: string;
  readonly status?: Observation['status'];
  readonly effective: string;
  readonly issued: string;
  readonly value: LabValue;
  /** Numeric bounds share the value's unit; `text` is a range as the lab wrote it. */
  readonly range?: { readonly low?: number; readonly high?: number; readonly text?: string };
  readonly interpretation?: InterpretationCode;
  readonly performer: string;
  readonly note?: string;
}

function quantity(value: number, ucum: string, unit?: string): Quantity {
  return { value, unit: unit ?? ucum, system: UCUM, code: ucum };
}

export function labObservation(o: LabObservationInput): Observation {
  const v = o.value;
  const value: Partial<Observation> =
    'quantity' in v
      ? { valueQuantity: { ...quantity(v.quantity, v.ucum, v.unit), ...(v.comparator ? { comparator: v.comparator } : {}) } }
      : 'text' in v
        ? { valueString: v.text }
        : { valueCodeableConcept: concept(v.concept) };
  let referenceRange: ObservationReferenceRange[] | undefined;
  if (o.range) {
    const ucum = 'quantity' in v ? v.ucum : undefined;
    const unit = 'quantity' in v ? v.unit : undefined;
    const r = o.range;
    referenceRange = [
      {
        ...(r.low !== undefined && ucum ? { low: quantity(r.low, ucum, unit) } : {}),
        ...(r.high !== undefined && ucum ? { high: quantity(r.high, ucum, unit) } : {}),
        ...(r.text ? { text: r.text } : {}),
      },
    ];
  }
  return {
    resourceType: 'Observation',
    id: o.id,
    meta: { versionId: '1', lastUpdated: o.issued, profile: [`${UK_CORE}/UKCore-Observation-Lab`] },
    status: o.status ?? 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
    code: concept(o.code, o.text),
    subject: { reference: `Patient/${o.patientId}` },
    effectiveDateTime: o.effective,
    issued: o.issued,
    performer: [{ type: 'Organization', display: o.performer }],
    ...value,
    ...(o.interpretation
      ? {
          interpretation: [
            {
              coding: [{ system: V3_INTERPRETATION, code: o.interpretation, display: INTERPRETATION_DISPLAY[o.interpretation] }],
            },
          ],
        }
      : {}),
    ...(referenceRange ? { referenceRange } : {}),
    ...(o.note ? { note: [{ text: o.note }] } : {}),
  };
}

// ---------------------------------------------------------------- DiagnosticReport

export interface LabReportInput {
  readonly id: string;
  readonly patientId: string;
  readonly code: Code;
  readonly text: string;
  readonly status?: DiagnosticReport['status'];
  readonly effective: string;
  readonly issued: string;
  readonly performer: string;
  readonly accession: { readonly system: string; readonly value: string };
  readonly results: readonly Observation[];
  readonly conclusion?: string;
}

export function labReport(r: LabReportInput): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id: r.id,
    meta: { versionId: r.status === 'amended' ? '2' : '1', lastUpdated: r.issued, profile: [`${UK_CORE}/UKCore-DiagnosticReport-Lab`] },
    identifier: [r.accession],
    status: r.status ?? 'final',
    category: [{ coding: [{ system: V2_0074, code: 'LAB', display: 'Laboratory' }] }],
    code: concept(r.code, r.text),
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: r.effective,
    issued: r.issued,
    performer: [{ type: 'Organization', display: r.performer }],
    result: r.results.map((o) => ({ reference: `Observation/${o.id ?? ''}`, ...(o.code.text ? { display: o.code.text } : {}) })),
    ...(r.conclusion ? { conclusion: r.conclusion } : {}),
  };
}

// ---------------------------------------------------------------- A report with its results

export interface LabPanelInput extends Omit<LabReportInput, 'results'> {
  /** Each test; subject, times and performer come from the panel unless a test overrides its status. */
  readonly tests: readonly Omit<LabObservationInput, 'patientId' | 'effective' | 'issued' | 'performer'>[];
}

/** A DiagnosticReport and its Observations, sharing subject, collection time, issue time and lab. */
export function labPanel(p: LabPanelInput): [DiagnosticReport, ...Observation[]] {
  const observations = p.tests.map((t) =>
    labObservation({ ...t, patientId: p.patientId, effective: p.effective, issued: p.issued, performer: p.performer }),
  );
  return [labReport({ ...p, results: observations }), ...observations];
}

// ---------------------------------------------------------------- DocumentReference

export const DISCHARGE_SUMMARY: Code = { system: SNOMED, code: '373942005', display: 'Discharge summary' };
export const OUTPATIENT_LETTER: Code = { system: SNOMED, code: '371531000', display: 'Report of clinical encounter' };

export interface LetterInput {
  readonly id: string;
  readonly patientId: string;
  readonly status?: DocumentReference['status'];
  readonly type: Code;
  readonly typeText: string;
  readonly title: string;
  readonly date: string;
  readonly author: string;
  readonly specialty: Code;
  /** The encounter the letter is about. */
  readonly period: { readonly start: string; readonly end?: string };
  readonly content: { readonly contentType: 'text/html' | 'text/plain'; readonly body: string };
  /** Id of the DocumentReference this one replaces (FHIR R4 DocumentReference.relatesTo). */
  readonly replaces?: string;
}

export function letter(l: LetterInput): DocumentReference {
  const attachment: Attachment = {
    contentType: `${l.content.contentType}; charset=utf-8`,
    language: 'en-GB',
    data: base64Utf8(l.content.body),
    title: l.title,
    creation: l.date,
  };
  return {
    resourceType: 'DocumentReference',
    id: l.id,
    meta: { versionId: '1', lastUpdated: l.date, profile: [`${UK_CORE}/UKCore-DocumentReference`] },
    masterIdentifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${stableUuid(`document:${l.id}`)}` },
    status: l.status ?? 'current',
    docStatus: 'final',
    type: concept(l.type, l.typeText),
    category: [{ coding: [{ system: SNOMED, code: '419891008', display: 'Record artifact' }], text: 'Correspondence' }],
    subject: { reference: `Patient/${l.patientId}` },
    date: l.date,
    author: [{ type: 'Organization', display: l.author }],
    custodian: { type: 'Organization', display: l.author },
    description: l.title,
    ...(l.replaces ? { relatesTo: [{ code: 'replaces', target: { reference: `DocumentReference/${l.replaces}` } }] } : {}),
    content: [{ attachment }],
    context: {
      period: { start: l.period.start, ...(l.period.end ? { end: l.period.end } : {}) },
      practiceSetting: concept(l.specialty),
    },
  };
}

// ---------------------------------------------------------------- Flag

export interface FlagInput {
  readonly id: string;
  readonly patientId: string;
  readonly status: Flag['status'];
  readonly category: 'clinical' | 'safety' | 'drug' | 'lab' | 'behavioral' | 'admin';
  readonly code?: Code;
  readonly text: string;
  readonly start: string;
  readonly end?: string;
  readonly author: string;
}

const FLAG_CATEGORY_DISPLAY: Readonly<Record<FlagInput['category'], string>> = {
  clinical: 'Clinical',
  safety: 'Safety',
  drug: 'Drug',
  lab: 'Lab',
  behavioral: 'Behavioral',
  admin: 'Administrative',
};

export function flag(f: FlagInput): Flag {
  return {
    resourceType: 'Flag',
    id: f.id,
    meta: { versionId: '1', lastUpdated: f.end ?? f.start, profile: [`${UK_CORE}/UKCore-Flag`] },
    status: f.status,
    category: [{ coding: [{ system: FLAG_CATEGORY, code: f.category, display: FLAG_CATEGORY_DISPLAY[f.category] }] }],
    code: f.code ? concept(f.code, f.text) : { text: f.text },
    subject: { reference: `Patient/${f.patientId}` },
    period: { start: f.start, ...(f.end ? { end: f.end } : {}) },
    author: { type: 'Organization', display: f.author },
  };
}

// ---------------------------------------------------------------- Consent (opt-out)

export interface OptOutInput {
  readonly id: string;
  readonly patientId: string;
  readonly dateTime: string;
  readonly organization: string;
}

/** A patient's dissent from sharing their record (R4 Consent, scope patient-privacy, provision deny). */
export function optOutConsent(c: OptOutInput): Consent {
  return {
    resourceType: 'Consent',
    id: c.id,
    meta: { versionId: '1', lastUpdated: c.dateTime, profile: [`${UK_CORE}/UKCore-Consent`] },
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }],
    },
    category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${c.patientId}` },
    dateTime: c.dateTime,
    organization: [{ type: 'Organization', display: c.organization }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT', display: 'opt-out' }] },
    provision: { type: 'deny' },
  };
}
