/**
 * Hospital A: "Leeds Teaching Hospitals (synthetic)". A fictional FHIR R4 source with
 * short numeric-style logical ids. Nothing here describes a real person.
 */
import type { Resource } from '@medplum/fhirtypes';
import { PANEL, SPECIALTY, TEST, UNIT, VALUE, FLAG_CODE } from './clinical-codes.ts';
import { daysAgo } from './demo-clock.ts';
import { DISCHARGE_SUMMARY, OUTPATIENT_LETTER, flag, labPanel, letter, optOutConsent, ukCorePatient } from './fhir-builders.ts';

export const HOSPITAL_A = {
  id: 'hospital-a',
  name: 'Leeds Teaching Hospitals (synthetic)',
  fhirBaseUrl: 'https://fhir.hospital-a.example/R4',
} as const;

const ORG = HOSPITAL_A.name;
const LAB = `${ORG} — Blood Sciences`;
const MICRO = `${ORG} — Microbiology`;
const ACCESSION = 'https://fhir.hospital-a.example/Id/lab-accession';
const acc = (value: string) => ({ system: ACCESSION, value });

// ------------------------------------------------------------ Eleanor Hartley
// Admitted with AKI stage 2 (creatinine 182 vs baseline 78) and E. coli UTI; discharged 3 days ago.
const HARTLEY = 'pat-100231';

const hartley: Resource[] = [
  ukCorePatient({
    id: HARTLEY,
    nhsNumber: '9993456780',
    prefix: 'Mrs',
    given: ['Eleanor', 'May'],
    family: 'Hartley',
    gender: 'female',
    birthDate: '1946-03-14',
    address: { lines: ['14 Larkspur Row'], city: 'Leeds', postalCode: 'LS0 4ZZ' },
    gpPractice: 'Fictional Lane Surgery (synthetic)',
    lastUpdated: daysAgo(9, '11:20'),
  }),
  // Baseline, three months ago.
  ...labPanel({
    id: 'dr-5001', patientId: HARTLEY, code: PANEL.ue, text: 'Urea and electrolytes',
    effective: daysAgo(95, '08:50'), issued: daysAgo(95, '13:10'), performer: LAB, accession: acc('LTH-BS-240111'),
    tests: [
      { id: 'obs-5001-1', code: TEST.sodium, text: 'Sodium', value: { quantity: 139, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      { id: 'obs-5001-2', code: TEST.potassium, text: 'Potassium', value: { quantity: 4.4, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'N' },
      { id: 'obs-5001-3', code: TEST.urea, text: 'Urea', value: { quantity: 6.1, ...UNIT.mmolPerL }, range: { low: 2.5, high: 7.8 }, interpretation: 'N' },
      { id: 'obs-5001-4', code: TEST.creatinine, text: 'Creatinine', value: { quantity: 78, ...UNIT.umolPerL }, range: { low: 45, high: 84 }, interpretation: 'N' },
      { id: 'obs-5001-5', code: TEST.egfr, text: 'eGFR (CKD-EPI)', value: { quantity: 64, ...UNIT.egfr }, range: { low: 60 }, interpretation: 'N' },
    ],
  }),
  ...labPanel({
    id: 'dr-5002', patientId: HARTLEY, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(95, '08:50'), issued: daysAgo(95, '11:45'), performer: LAB, accession: acc('LTH-BS-240112'),
    tests: [
      { id: 'obs-5002-1', code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 128, ...UNIT.gPerL }, range: { low: 115, high: 165 }, interpretation: 'N' },
      { id: 'obs-5002-2', code: TEST.whiteCells, text: 'White cell count', value: { quantity: 7.2, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'N' },
      { id: 'obs-5002-3', code: TEST.platelets, text: 'Platelets', value: { quantity: 260, ...UNIT.per10e9L }, range: { low: 150, high: 400 }, interpretation: 'N' },
    ],
  }),
  // Admission. The first potassium (haemolysed sample) was withdrawn: the report was amended.
  ...labPanel({
    id: 'dr-5101', patientId: HARTLEY, code: PANEL.ue, text: 'Urea and electrolytes', status: 'amended',
    effective: daysAgo(9, '18:35'), issued: daysAgo(9, '21:02'), performer: LAB, accession: acc('LTH-BS-250871'),
    conclusion: 'Amended: potassium 7.9 mmol/L on the first sample withdrawn (sample haemolysed). Repeat sample potassium 6.4 mmol/L, telephoned to ward 21:00.',
    tests: [
      { id: 'obs-5101-1', code: TEST.sodium, text: 'Sodium', value: { quantity: 134, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      {
        id: 'obs-5101-2', code: TEST.potassium, text: 'Potassium', status: 'entered-in-error',
        value: { quantity: 7.9, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'HH',
        note: 'Result withdrawn: sample haemolysed.',
      },
      { id: 'obs-5101-3', code: TEST.potassium, text: 'Potassium', value: { quantity: 6.4, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'HH' },
      { id: 'obs-5101-4', code: TEST.urea, text: 'Urea', value: { quantity: 18.2, ...UNIT.mmolPerL }, range: { low: 2.5, high: 7.8 }, interpretation: 'H' },
      { id: 'obs-5101-5', code: TEST.creatinine, text: 'Creatinine', value: { quantity: 182, ...UNIT.umolPerL }, range: { low: 45, high: 84 }, interpretation: 'H' },
      { id: 'obs-5101-6', code: TEST.egfr, text: 'eGFR (CKD-EPI)', value: { quantity: 23, ...UNIT.egfr }, range: { low: 60 }, interpretation: 'L' },
    ],
  }),
  ...labPanel({
    id: 'dr-5102', patientId: HARTLEY, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(9, '18:35'), issued: daysAgo(9, '19:40'), performer: LAB, accession: acc('LTH-BS-250872'),
    tests: [
      { id: 'obs-5102-1', code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 98, ...UNIT.gPerL }, range: { low: 115, high: 165 }, interpretation: 'L' },
      { id: 'obs-5102-2', code: TEST.whiteCells, text: 'White cell count', value: { quantity: 13.8, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'H' },
      { id: 'obs-5102-3', code: TEST.platelets, text: 'Platelets', value: { quantity: 312, ...UNIT.per10e9L }, range: { low: 150, high: 400 }, interpretation: 'N' },
    ],
  }),
  // The CRP was first issued as 8.6 (a transcription slip), then corrected under the same accession
  // number: the first version shows only in the CRP history, marked as replaced.
  ...labPanel({
    id: 'dr-5103-v1', patientId: HARTLEY, code: PANEL.crp, text: 'C-reactive protein',
    effective: daysAgo(9, '18:35'), issued: daysAgo(9, '19:55'), performer: LAB, accession: acc('LTH-BS-250873'),
    tests: [
      { id: 'obs-5103-v1', code: TEST.crp, text: 'CRP', value: { quantity: 8.6, ...UNIT.mgPerL }, range: { high: 5 }, interpretation: 'H' },
    ],
  }),
  ...labPanel({
    id: 'dr-5103', patientId: HARTLEY, code: PANEL.crp, text: 'C-reactive protein', status: 'corrected',
    effective: daysAgo(9, '18:35'), issued: daysAgo(9, '20:15'), performer: LAB, accession: acc('LTH-BS-250873'),
    conclusion: 'Corrected report: CRP 86 mg/L (first issued as 8.6 mg/L in error).',
    tests: [
      { id: 'obs-5103-1', code: TEST.crp, text: 'CRP', status: 'corrected', value: { quantity: 86, ...UNIT.mgPerL }, range: { high: 5 }, interpretation: 'H' },
    ],
  }),
  ...labPanel({
    id: 'dr-5104', patientId: HARTLEY, code: PANEL.urineCulture, text: 'Urine culture (MSU)',
    effective: daysAgo(9, '19:10'), issued: daysAgo(7, '10:30'), performer: MICRO, accession: acc('LTH-MC-250440'),
    tests: [
      {
        id: 'obs-5104-1', code: TEST.urineCulture, text: 'Urine culture',
        value: { text: 'Escherichia coli >10^5 CFU/mL. Sensitive: nitrofurantoin, cefalexin. Resistant: trimethoprim, amoxicillin.' },
        interpretation: 'A',
      },
    ],
  }),
  // Day before discharge.
  ...labPanel({
    id: 'dr-5105', patientId: HARTLEY, code: PANEL.ue, text: 'Urea and electrolytes',
    effective: daysAgo(3, '07:15'), issued: daysAgo(3, '10:05'), performer: LAB, accession: acc('LTH-BS-251290'),
    tests: [
      { id: 'obs-5105-1', code: TEST.sodium, text: 'Sodium', value: { quantity: 137, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      { id: 'obs-5105-2', code: TEST.potassium, text: 'Potassium', value: { quantity: 5.1, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'N' },
      { id: 'obs-5105-3', code: TEST.urea, text: 'Urea', value: { quantity: 9.8, ...UNIT.mmolPerL }, range: { low: 2.5, high: 7.8 }, interpretation: 'H' },
      { id: 'obs-5105-4', code: TEST.creatinine, text: 'Creatinine', value: { quantity: 121, ...UNIT.umolPerL }, range: { low: 45, high: 84 }, interpretation: 'H' },
      { id: 'obs-5105-5', code: TEST.egfr, text: 'eGFR (CKD-EPI)', value: { quantity: 37, ...UNIT.egfr }, range: { low: 60 }, interpretation: 'L' },
    ],
  }),
  letter({
    id: 'doc-7001',
    patientId: HARTLEY,
    type: DISCHARGE_SUMMARY,
    typeText: 'Discharge summary',
    title: 'Discharge summary — Ward 7, Elderly Medicine',
    date: daysAgo(2, '16:40'),
    author: ORG,
    specialty: SPECIALTY.geriatrics,
    period: { start: daysAgo(9, '17:55'), end: daysAgo(2, '15:30') },
    content: {
      contentType: 'text/html',
      body: [
        '<h1>Discharge summary</h1>',
        '<p><strong>Admitted:</strong> via the emergency department with confusion, reduced oral intake and dysuria.</p>',
        '<h2>Diagnoses</h2>',
        '<ul><li>Acute kidney injury, stage 2 (creatinine 182 µmol/L; baseline 78 µmol/L)</li>',
        '<li>Lower urinary tract infection, <em>E. coli</em> (trimethoprim resistant)</li>',
        '<li>Hyperkalaemia 6.4 mmol/L, treated</li></ul>',
        '<h2>Medication changes</h2>',
        '<ul><li>Ramipril 5 mg once daily: <strong>withheld</strong></li>',
        '<li>Furosemide 40 mg once daily: <strong>withheld</strong></li>',
        '<li>Nitrofurantoin 50 mg four times daily: 2 days remaining</li></ul>',
        '<h2>Actions for the GP</h2>',
        '<ol><li>Repeat U&amp;E within 7 days of discharge.</li>',
        '<li>Restart ramipril and furosemide if creatinine is back towards baseline.</li>',
        '<li>Community falls assessment requested (fall on the ward, no injury).</li></ol>',
        '<p>Synthetic demonstration letter — not a real patient.</p>',
      ].join('\n'),
    },
  }),
  flag({
    id: 'flag-8001',
    patientId: HARTLEY,
    status: 'active',
    category: 'clinical',
    code: FLAG_CODE.fallsRisk,
    text: 'Risk of falls',
    start: daysAgo(8, '10:00'),
    author: `${ORG} — Ward 7, Elderly Medicine`,
  }),
  // Resolved years ago: must not show as current.
  flag({
    id: 'flag-8002',
    patientId: HARTLEY,
    status: 'inactive',
    category: 'clinical',
    text: 'MRSA carrier: isolate on admission',
    start: daysAgo(700, '12:00'),
    end: daysAgo(520, '12:00'),
    author: `${ORG} — Infection Prevention`,
  }),
];

// ------------------------------------------------------------ Samuel Oyelaran (also known to hospital B)
const OYELARAN = 'pat-100587';

const oyelaran: Resource[] = [
  ukCorePatient({
    id: OYELARAN,
    nhsNumber: '9994567896',
    prefix: 'Mr',
    given: ['Samuel', 'Adebayo'],
    family: 'Oyelaran',
    gender: 'male',
    birthDate: '1962-09-02',
    address: { lines: ['3 Wrenfield Court', 'Headingley'], city: 'Leeds', postalCode: 'LS0 6ZZ' },
    gpPractice: 'Fictional Lane Surgery (synthetic)',
    lastUpdated: daysAgo(30, '15:00'),
  }),
  ...labPanel({
    id: 'dr-5201', patientId: OYELARAN, code: PANEL.hba1c, text: 'HbA1c',
    effective: daysAgo(130, '09:20'), issued: daysAgo(129, '12:00'), performer: LAB, accession: acc('LTH-BS-239005'),
    tests: [
      { id: 'obs-5201-1', code: TEST.hba1c, text: 'HbA1c (IFCC)', value: { quantity: 78, ...UNIT.mmolPerMol }, range: { low: 20, high: 41 }, interpretation: 'H' },
    ],
  }),
  ...labPanel({
    id: 'dr-5202', patientId: OYELARAN, code: PANEL.hba1c, text: 'HbA1c',
    effective: daysAgo(40, '09:05'), issued: daysAgo(39, '11:30'), performer: LAB, accession: acc('LTH-BS-250120'),
    tests: [
      { id: 'obs-5202-1', code: TEST.hba1c, text: 'HbA1c (IFCC)', value: { quantity: 71, ...UNIT.mmolPerMol }, range: { low: 20, high: 41 }, interpretation: 'H' },
    ],
  }),
  ...labPanel({
    id: 'dr-5203', patientId: OYELARAN, code: PANEL.lft, text: 'Liver function tests',
    effective: daysAgo(40, '09:05'), issued: daysAgo(40, '15:20'), performer: LAB, accession: acc('LTH-BS-250121'),
    tests: [
      { id: 'obs-5203-1', code: TEST.alt, text: 'ALT', value: { quantity: 32, ...UNIT.unitsPerL }, range: { low: 0, high: 40 }, interpretation: 'N' },
      { id: 'obs-5203-2', code: TEST.alp, text: 'Alkaline phosphatase', value: { quantity: 88, ...UNIT.unitsPerL }, range: { low: 30, high: 130 }, interpretation: 'N' },
      { id: 'obs-5203-3', code: TEST.bilirubin, text: 'Bilirubin', value: { quantity: 11, ...UNIT.umolPerL }, range: { low: 0, high: 21 }, interpretation: 'N' },
      { id: 'obs-5203-4', code: TEST.albumin, text: 'Albumin', value: { quantity: 41, ...UNIT.gPerL }, range: { low: 35, high: 50 }, interpretation: 'N' },
    ],
  }),
  ...labPanel({
    id: 'dr-5204', patientId: OYELARAN, code: PANEL.ue, text: 'Urea and electrolytes',
    effective: daysAgo(40, '09:05'), issued: daysAgo(40, '15:20'), performer: LAB, accession: acc('LTH-BS-250122'),
    tests: [
      { id: 'obs-5204-1', code: TEST.sodium, text: 'Sodium', value: { quantity: 140, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      { id: 'obs-5204-2', code: TEST.potassium, text: 'Potassium', value: { quantity: 4.1, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'N' },
      { id: 'obs-5204-3', code: TEST.creatinine, text: 'Creatinine', value: { quantity: 96, ...UNIT.umolPerL }, range: { low: 59, high: 104 }, interpretation: 'N' },
      { id: 'obs-5204-4', code: TEST.egfr, text: 'eGFR (CKD-EPI)', value: { quantity: 90, comparator: '>', ...UNIT.egfr }, range: { low: 60 }, interpretation: 'N' },
    ],
  }),
  letter({
    id: 'doc-7101',
    patientId: OYELARAN,
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Diabetes clinic letter',
    date: daysAgo(30, '14:45'),
    author: ORG,
    specialty: SPECIALTY.endocrinology,
    period: { start: daysAgo(33, '10:30') },
    content: {
      contentType: 'text/html',
      body: [
        '<h1>Diabetes outpatient clinic</h1>',
        '<p>Dear Doctor,</p>',
        '<p>I reviewed Mr Oyelaran in the diabetes clinic. HbA1c has improved from 78 to 71 mmol/mol since starting empagliflozin 10 mg once daily, but remains above his target of 53 mmol/mol.</p>',
        '<h2>Plan</h2>',
        '<ul><li>Continue metformin 1 g twice daily and empagliflozin 10 mg once daily.</li>',
        '<li>Structured education course offered; he would like to attend.</li>',
        '<li>Repeat HbA1c in 3 months in primary care; we will see him again in 6 months.</li></ul>',
        '<p>Synthetic demonstration letter — not a real patient.</p>',
      ].join('\n'),
    },
  }),
];

// ------------------------------------------------------------ Gwen Llewellyn: all normal
const LLEWELLYN = 'pat-101144';

const llewellyn: Resource[] = [
  ukCorePatient({
    id: LLEWELLYN,
    nhsNumber: '9992345675',
    prefix: 'Mrs',
    given: ['Gwen'],
    family: 'Llewellyn',
    gender: 'female',
    birthDate: '1934-01-08',
    address: { lines: ['The Old Forge', '2 Mill Lane'], city: 'Otley', postalCode: 'LS0 8ZZ' },
    gpPractice: 'Fictional Lane Surgery (synthetic)',
    lastUpdated: daysAgo(15, '12:00'),
  }),
  ...labPanel({
    id: 'dr-5301', patientId: LLEWELLYN, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(20, '10:10'), issued: daysAgo(20, '13:00'), performer: LAB, accession: acc('LTH-BS-251002'),
    tests: [
      { id: 'obs-5301-1', code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 124, ...UNIT.gPerL }, range: { low: 115, high: 165 }, interpretation: 'N' },
      { id: 'obs-5301-2', code: TEST.whiteCells, text: 'White cell count', value: { quantity: 6.1, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'N' },
      { id: 'obs-5301-3', code: TEST.platelets, text: 'Platelets', value: { quantity: 231, ...UNIT.per10e9L }, range: { low: 150, high: 400 }, interpretation: 'N' },
    ],
  }),
  ...labPanel({
    id: 'dr-5302', patientId: LLEWELLYN, code: PANEL.ue, text: 'Urea and electrolytes',
    effective: daysAgo(20, '10:10'), issued: daysAgo(20, '14:25'), performer: LAB, accession: acc('LTH-BS-251003'),
    tests: [
      { id: 'obs-5302-1', code: TEST.sodium, text: 'Sodium', value: { quantity: 138, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      { id: 'obs-5302-2', code: TEST.potassium, text: 'Potassium', value: { quantity: 4.6, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'N' },
      { id: 'obs-5302-3', code: TEST.urea, text: 'Urea', value: { quantity: 6.8, ...UNIT.mmolPerL }, range: { low: 2.5, high: 7.8 }, interpretation: 'N' },
      { id: 'obs-5302-4', code: TEST.creatinine, text: 'Creatinine', value: { quantity: 70, ...UNIT.umolPerL }, range: { low: 45, high: 84 }, interpretation: 'N' },
    ],
  }),
  ...labPanel({
    id: 'dr-5303', patientId: LLEWELLYN, code: PANEL.urinalysis, text: 'Urine dipstick',
    effective: daysAgo(20, '10:25'), issued: daysAgo(20, '10:40'), performer: `${ORG} — Frailty Unit`, accession: acc('LTH-POC-251004'),
    tests: [
      { id: 'obs-5303-1', code: TEST.urineProtein, text: 'Urine protein (dipstick)', value: { concept: VALUE.negative }, interpretation: 'N' },
    ],
  }),
  letter({
    id: 'doc-7201',
    patientId: LLEWELLYN,
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Frailty clinic letter',
    date: daysAgo(15, '09:30'),
    author: ORG,
    specialty: SPECIALTY.geriatrics,
    period: { start: daysAgo(20, '10:00') },
    content: {
      contentType: 'text/plain',
      body: [
        'FRAILTY ASSESSMENT CLINIC',
        '',
        'Dear Doctor,',
        '',
        'Mrs Llewellyn attended with her daughter for a comprehensive geriatric assessment.',
        'Clinical Frailty Scale 4 (vulnerable). Mobile with one stick, no falls this year.',
        'Blood tests and urine dipstick were normal.',
        '',
        'Plan: no medication changes. Community physiotherapy for strength and balance.',
        'No routine follow-up in this clinic; happy to see her again on request.',
        '',
        'Synthetic demonstration letter - not a real patient.',
      ].join('\n'),
    },
  }),
];

// ------------------------------------------------------------ Priya Raman: opted out
const RAMAN = 'pat-102310';

const raman: Resource[] = [
  ukCorePatient({
    id: RAMAN,
    nhsNumber: '9990000034',
    prefix: 'Dr',
    given: ['Priya'],
    family: 'Raman',
    gender: 'female',
    birthDate: '1969-12-05',
    address: { lines: ['88 Beech Grove Terrace'], city: 'Leeds', postalCode: 'LS0 2ZZ' },
    gpPractice: 'Fictional Lane Surgery (synthetic)',
    lastUpdated: daysAgo(50, '16:00'),
  }),
  ...labPanel({
    id: 'dr-5401', patientId: RAMAN, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(60, '09:40'), issued: daysAgo(60, '12:10'), performer: LAB, accession: acc('LTH-BS-249870'),
    tests: [
      { id: 'obs-5401-1', code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 141, ...UNIT.gPerL }, range: { low: 115, high: 165 }, interpretation: 'N' },
      { id: 'obs-5401-2', code: TEST.whiteCells, text: 'White cell count', value: { quantity: 5.9, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'N' },
    ],
  }),
  letter({
    id: 'doc-7301',
    patientId: RAMAN,
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Spinal clinic letter',
    date: daysAgo(50, '11:15'),
    author: ORG,
    specialty: SPECIALTY.orthopaedics,
    period: { start: daysAgo(52, '14:00') },
    content: {
      contentType: 'text/html',
      body: '<h1>Spinal clinic</h1>\n<p>Mechanical lower back pain. No red flags. Physiotherapy referral made.</p>\n<p>Synthetic demonstration letter — not a real patient.</p>',
    },
  }),
  // The patient has dissented from sharing: the BFF must show nothing clinical.
  optOutConsent({ id: 'consent-9001', patientId: RAMAN, dateTime: daysAgo(200, '10:00'), organization: ORG }),
];

/** Every resource held by hospital A, in a fixed order. */
export const hospitalAResources: readonly Resource[] = [...hartley, ...oyelaran, ...llewellyn, ...raman];
