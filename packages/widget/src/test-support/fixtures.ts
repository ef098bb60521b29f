import { formatNhsNumber } from '@care-sidebar/shared';
import type {
  AnalyteHistory,
  FlagItem,
  LetterContent,
  LetterItem,
  OptedOutView,
  PatientBanner,
  ResultReport,
  Section,
  SessionResponse,
  SourceRef,
  SummaryView,
} from '@care-sidebar/shared';

// Synthetic data only: fictional people, NHS numbers from the 999 test range (valid Modulus 11).

export const HOSPITAL_A: SourceRef = { id: 'hospital-a', name: 'Hospital A' };
export const HOSPITAL_B: SourceRef = { id: 'hospital-b', name: 'Hospital B' };

export const AS_OF = '2026-11-25T14:02:00Z';

/** Creatinine's analyte key (LOINC), as the BFF forms it. */
export const CREATININE_KEY = 'http://loinc.org|14682-9';

export interface TestPatient {
  readonly launch: string;
  readonly banner: PatientBanner;
  readonly flags: readonly FlagItem[];
  readonly results: readonly ResultReport[];
  /** The history of analytes measured more than once (keyed from `results` rows' `historyKey`). */
  readonly history?: readonly AnalyteHistory[];
  readonly letters: readonly LetterItem[];
  /** Text that must never appear on screen while another patient is current. */
  readonly markers: readonly string[];
}

function patient(spec: Omit<TestPatient, 'markers'>): TestPatient {
  const markers = [
    formatNhsNumber(spec.banner.nhsNumber),
    spec.banner.name?.family?.toUpperCase() ?? '',
    ...spec.flags.map((f) => f.text),
    ...spec.letters.map((l) => l.title),
  ];
  return { ...spec, markers };
}

export const PATIENT_A = patient({
  launch: 'launch-for-ada',
  banner: {
    nhsNumber: '9990000018',
    name: { family: 'Testwell', given: ['Ada', 'Grace'], prefix: ['Mrs'] },
    birthDate: '1957-03-12',
    gender: 'female',
    source: HOSPITAL_A,
  },
  flags: [
    {
      id: 'flag-a1',
      source: HOSPITAL_A,
      computed: false,
      text: 'Anticoagulated: warfarin',
      category: 'Medication',
      severity: 'high',
      date: '2026-10-02',
    },
    {
      id: 'flag-a2',
      computed: true,
      text: 'Acute kidney injury stage 2',
      reason: 'Creatinine 182 umol/L is 2.1 times the lowest result in the previous 7 days.',
      category: 'Clinical',
      severity: 'high',
      date: '2026-11-24T09:15:00Z',
    },
  ],
  results: [
    {
      id: 'report-a1',
      source: HOSPITAL_A,
      name: { display: 'Urea and electrolytes' },
      status: 'final',
      effective: '2026-11-24T09:15:00Z',
      performer: 'Hospital A Blood Sciences',
      observations: [
        {
          id: 'obs-a1',
          name: { display: 'Creatinine' },
          status: 'final',
          value: { kind: 'quantity', value: 182, unit: 'umol/L' },
          referenceRange: '59–104 umol/L',
          interpretation: { code: 'H', display: 'High', abnormal: true, critical: false, computed: false },
          historyKey: CREATININE_KEY,
        },
        {
          id: 'obs-a2',
          name: { display: 'Potassium' },
          status: 'final',
          value: { kind: 'quantity', value: 6.6, unit: 'mmol/L' },
          referenceRange: '3.5–5.3 mmol/L',
          interpretation: { code: 'HH', display: 'Critically high', abnormal: true, critical: true, computed: false },
        },
        {
          id: 'obs-a3',
          name: { display: 'Sodium' },
          status: 'final',
          // As the laboratory wrote it: the trailing zero is part of the result.
          value: { kind: 'quantity', value: 139, unit: 'mmol/L', text: '139.0' },
          referenceRange: '133–146 mmol/L',
        },
        {
          id: 'obs-a4',
          name: { display: 'eGFR' },
          status: 'final',
          value: { kind: 'quantity', value: 24, unit: 'mL/min/1.73m2' },
          referenceRange: '60–120 mL/min/1.73m2',
          interpretation: { code: 'L', display: 'Low', abnormal: true, critical: false, computed: true },
        },
      ],
    },
    {
      id: 'report-a2',
      source: HOSPITAL_B,
      name: { display: 'Full blood count' },
      status: 'preliminary',
      issued: '2026-11-23T16:40:00Z',
      observations: [
        {
          id: 'obs-a5',
          name: { display: 'Haemoglobin' },
          status: 'preliminary',
          value: { kind: 'quantity', value: 98, unit: 'g/L' },
          referenceRange: '115–165 g/L',
          interpretation: { code: 'L', display: 'Low', abnormal: true, critical: false, computed: false },
        },
      ],
    },
  ],
  history: [
    {
      key: CREATININE_KEY,
      name: { display: 'Creatinine', system: 'http://loinc.org', code: '14682-9' },
      points: [
        {
          at: '2026-11-24T09:15:00Z',
          value: { kind: 'quantity', value: 182, unit: 'umol/L' },
          interpretation: { code: 'H', display: 'High', abnormal: true, critical: false, computed: false },
          status: 'final',
          source: HOSPITAL_A,
          reportId: 'report-a1',
        },
        {
          at: '2026-11-17T08:30:00Z',
          value: { kind: 'quantity', value: 310, unit: 'umol/L' },
          status: 'final',
          source: HOSPITAL_A,
          reportId: 'report-a0',
          superseded: true,
        },
        {
          at: '2026-11-17T08:30:00Z',
          value: { kind: 'quantity', value: 131, unit: 'umol/L' },
          interpretation: { code: 'H', display: 'High', abnormal: true, critical: false, computed: false },
          status: 'corrected',
          source: HOSPITAL_A,
          reportId: 'report-a0c',
        },
        {
          at: '2026-08-02T10:00:00Z',
          value: { kind: 'quantity', value: 86, unit: 'umol/L' },
          status: 'final',
          source: HOSPITAL_B,
          reportId: 'report-b7',
        },
      ],
    },
  ],
  letters: [
    {
      id: 'letter-a1',
      source: HOSPITAL_A,
      title: 'Discharge summary: heart failure admission',
      type: 'Discharge summary',
      specialty: 'Cardiology',
      author: 'Dr Imogen Fictional',
      date: '2026-11-20',
      status: 'current',
      contentTypes: ['text/html'],
    },
    {
      id: 'hospital-b:clinic-a2',
      source: HOSPITAL_B,
      title: 'Renal clinic letter',
      type: 'Outpatient letter',
      specialty: 'Nephrology',
      date: '2026-11-12',
      status: 'current',
      contentTypes: ['text/plain'],
    },
    {
      id: 'hospital-a:scan-a3',
      source: HOSPITAL_A,
      title: 'Echocardiogram report (scanned)',
      date: '2026-11-05',
      status: 'current',
      contentTypes: ['application/pdf'],
    },
  ],
});

export const PATIENT_B = patient({
  launch: 'launch-for-bertram',
  banner: {
    nhsNumber: '9990000026',
    name: { family: 'Fictionson', given: ['Bertram'] },
    birthDate: '1988-09-30',
    gender: 'male',
    source: HOSPITAL_B,
  },
  flags: [
    { id: 'flag-b1', source: HOSPITAL_B, computed: false, text: 'Penicillin allergy: anaphylaxis', severity: 'high' },
  ],
  results: [
    {
      id: 'report-b1',
      source: HOSPITAL_B,
      name: { display: 'Thyroid function' },
      status: 'final',
      effective: '2026-11-18T10:00:00Z',
      observations: [
        {
          id: 'obs-b1',
          name: { display: 'TSH' },
          status: 'final',
          value: { kind: 'quantity', value: 2.1, unit: 'mU/L' },
          referenceRange: '0.27–4.2 mU/L',
          interpretation: { code: 'N', display: 'Normal', abnormal: false, critical: false, computed: false },
        },
      ],
    },
  ],
  letters: [
    {
      id: 'letter-b1',
      source: HOSPITAL_B,
      title: 'Dermatology clinic letter',
      type: 'Outpatient letter',
      specialty: 'Dermatology',
      date: '2026-11-10',
      status: 'current',
      contentTypes: ['application/pdf'],
    },
  ],
});

export const PATIENT_C = patient({
  launch: 'launch-for-cora',
  banner: { nhsNumber: '9990000034', name: { family: 'Madeup', given: ['Cora'] }, birthDate: '2001-01-01' },
  flags: [],
  results: [],
  letters: [],
});

export function okSection<T>(items: readonly T[]): Section<T> {
  return {
    status: 'ok',
    asOf: AS_OF,
    items,
    sources: [
      { source: HOSPITAL_A, status: 'ok', asOf: AS_OF },
      { source: HOSPITAL_B, status: 'ok', asOf: AS_OF },
    ],
  };
}

export function summaryFor(p: TestPatient, overrides: Partial<Omit<SummaryView, 'kind'>> = {}): SummaryView {
  return {
    kind: 'summary',
    patient: p.banner,
    flags: okSection(p.flags),
    results: { ...okSection(p.results), history: p.history ?? [] },
    letters: okSection(p.letters),
    generatedAt: AS_OF,
    ...overrides,
  };
}

export function optedOutFor(p: TestPatient): OptedOutView {
  return { kind: 'opted-out', patient: { nhsNumber: p.banner.nhsNumber }, generatedAt: AS_OF };
}

export function sessionFor(p: TestPatient, token: string): SessionResponse {
  return {
    token,
    expiresAt: '2026-11-25T15:02:00Z',
    patient: { nhsNumber: p.banner.nhsNumber },
    user: { id: 'user-0001', name: 'Dr Test User', role: 'R8000', org: 'B86016' },
  };
}

/** The content the BFF would send for one of a patient's letters. */
export function letterContentFor(
  letter: LetterItem,
  contentType: LetterContent['contentType'],
  content: string,
): LetterContent {
  return {
    id: letter.id,
    title: letter.title,
    source: letter.source,
    ...(letter.date ? { date: letter.date } : {}),
    contentType,
    content,
  };
}

/** A tiny but well-formed PDF (one empty page), as bytes. */
export function minimalPdf(): Uint8Array<ArrayBuffer> {
  const text = [
    '%PDF-1.4',
    '1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj',
    '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj',
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj',
    'trailer<</Root 1 0 R>>',
    '%%EOF',
  ].join('\n');
  return new TextEncoder().encode(text);
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** A launch JWT's shape with these claims and a signature nobody can verify: the widget never does. */
export function unsignedLaunch(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'ES256', kid: 'test-key' }))}.${base64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}
