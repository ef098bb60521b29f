/**
 * Hospital B: "Harrogate District Hospital (synthetic)". A fictional FHIR R4 source
 * whose logical ids are opaque UUIDs (derived deterministically from a name).
 * Nothing here describes a real person.
 */
import type { Resource } from '@medplum/fhirtypes';
import { FLAG_CODE, PANEL, SPECIALTY, TEST, UNIT } from './clinical-codes.ts';
import { daysAgo } from './demo-clock.ts';
import { OUTPATIENT_LETTER, flag, labPanel, letter, stableUuid, ukCorePatient } from './fhir-builders.ts';

export const HOSPITAL_B = {
  id: 'hospital-b',
  name: 'Harrogate District Hospital (synthetic)',
  fhirBaseUrl: 'https://fhir.hospital-b.example/R4',
} as const;

const ORG = HOSPITAL_B.name;
const LAB = `${ORG} — Pathology`;
const ACCESSION = 'https://fhir.hospital-b.example/Id/specimen-number';
const acc = (value: string) => ({ system: ACCESSION, value });
const id = (name: string): string => stableUuid(`hospital-b:${name}`);

// ------------------------------------------------------------ Samuel Oyelaran (also known to hospital A)
// Seen here for chest pain (cardiology) and a urinary infection; a different address on file.
const OYELARAN = id('oyelaran:patient');
const oyelaranCardiologyV1 = id('oyelaran:letter:cardiology:v1');

const oyelaran: Resource[] = [
  ukCorePatient({
    id: OYELARAN,
    nhsNumber: '9994567896',
    prefix: 'Mr',
    given: ['Samuel'],
    family: 'Oyelaran',
    gender: 'male',
    birthDate: '1962-09-02',
    // An older address: the sources disagree, as real ones do.
    address: { lines: ['Flat 2, 17 Station Parade'], city: 'Harrogate', postalCode: 'HG0 1ZZ' },
    lastUpdated: daysAgo(24, '09:00'),
  }),
  ...labPanel({
    id: id('oyelaran:fbc'), patientId: OYELARAN, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(12, '11:30'), issued: daysAgo(12, '12:45'), performer: LAB, accession: acc('H25.0412331'),
    tests: [
      { id: id('oyelaran:fbc:hb'), code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 136, ...UNIT.gPerL }, range: { low: 130, high: 180 }, interpretation: 'N' },
      { id: id('oyelaran:fbc:wbc'), code: TEST.whiteCells, text: 'White cell count', value: { quantity: 11.9, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'H' },
      { id: id('oyelaran:fbc:plt'), code: TEST.platelets, text: 'Platelets', value: { quantity: 402, ...UNIT.per10e9L }, range: { low: 150, high: 400 }, interpretation: 'H' },
    ],
  }),
  // Creatinine 151 here against 96 at hospital A five weeks earlier: a rise (ratio 1.57, AKI stage 1 by the
  // NHS England algorithm) that only shows when both sources are read together.
  ...labPanel({
    id: id('oyelaran:ue'),
    patientId: OYELARAN,
    code: PANEL.ue,
    text: 'Urea and electrolytes',
    effective: daysAgo(12, '11:30'),
    issued: daysAgo(12, '14:10'),
    performer: LAB,
    accession: acc('H25.0412330'),
    tests: [
      { id: id('oyelaran:ue:na'), code: TEST.sodium, text: 'Sodium', value: { quantity: 136, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      { id: id('oyelaran:ue:k'), code: TEST.potassium, text: 'Potassium', value: { quantity: 5.2, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: 'N' },
      { id: id('oyelaran:ue:urea'), code: TEST.urea, text: 'Urea', value: { quantity: 9.1, ...UNIT.mmolPerL }, range: { low: 2.5, high: 7.8 }, interpretation: 'H' },
      { id: id('oyelaran:ue:creat'), code: TEST.creatinine, text: 'Creatinine', value: { quantity: 151, ...UNIT.umolPerL }, range: { low: 59, high: 104 }, interpretation: 'H' },
      { id: id('oyelaran:ue:egfr'), code: TEST.egfr, text: 'eGFR (CKD-EPI)', value: { quantity: 44, ...UNIT.egfr }, range: { low: 60 }, interpretation: 'L' },
    ],
  }),
  ...labPanel({
    id: id('oyelaran:crp'), patientId: OYELARAN, code: PANEL.crp, text: 'C-reactive protein',
    effective: daysAgo(12, '11:30'), issued: daysAgo(12, '13:05'), performer: LAB, accession: acc('H25.0412332'),
    tests: [
      { id: id('oyelaran:crp:crp'), code: TEST.crp, text: 'CRP', value: { quantity: 34, ...UNIT.mgPerL }, range: { high: 5 }, interpretation: 'H' },
    ],
  }),
  ...labPanel({
    id: id('oyelaran:msu'), patientId: OYELARAN, code: PANEL.urineCulture, text: 'Urine culture (MSU)',
    effective: daysAgo(12, '11:40'), issued: daysAgo(10, '16:20'), performer: LAB, accession: acc('H25.M0098812'),
    tests: [
      {
        id: id('oyelaran:msu:culture'), code: TEST.urineCulture, text: 'Urine culture',
        value: { text: 'Mixed growth of three or more organisms, likely contamination. Please repeat if clinically indicated.' },
      },
    ],
  }),
  // First version of the cardiology letter, replaced the next day (wrong dose dictated).
  letter({
    id: oyelaranCardiologyV1,
    patientId: OYELARAN,
    status: 'superseded',
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Rapid access chest pain clinic letter',
    date: daysAgo(25, '15:10'),
    author: ORG,
    specialty: SPECIALTY.cardiology,
    period: { start: daysAgo(26, '09:30') },
    content: {
      contentType: 'text/html',
      body: '<h1>Rapid access chest pain clinic</h1>\n<p>Atypical chest pain. Started atorvastatin 8 mg at night.</p>\n<p>Synthetic demonstration letter — not a real patient.</p>',
    },
  }),
  letter({
    id: id('oyelaran:letter:cardiology:v2'),
    patientId: OYELARAN,
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Rapid access chest pain clinic letter (corrected)',
    date: daysAgo(24, '09:00'),
    author: ORG,
    specialty: SPECIALTY.cardiology,
    period: { start: daysAgo(26, '09:30') },
    replaces: oyelaranCardiologyV1,
    content: {
      contentType: 'text/html',
      body: [
        '<h1>Rapid access chest pain clinic</h1>',
        '<p><em>Corrected letter: replaces the version of the previous day, which gave the wrong statin dose.</em></p>',
        '<p>Atypical chest pain; ECG normal; CT coronary angiogram requested.</p>',
        '<h2>Medication</h2>',
        '<ul><li>Started atorvastatin <strong>80 mg</strong> at night.</li>',
        '<li>GTN spray as required.</li></ul>',
        '<p>Synthetic demonstration letter — not a real patient.</p>',
      ].join('\n'),
    },
  }),
];

// ------------------------------------------------------------ Aisha Khan
const KHAN = id('khan:patient');

const khan: Resource[] = [
  ukCorePatient({
    id: KHAN,
    nhsNumber: '9996789012',
    prefix: 'Ms',
    given: ['Aisha'],
    family: 'Khan',
    gender: 'female',
    birthDate: '1988-06-21',
    address: { lines: ['9 Heather Close'], city: 'Knaresborough', postalCode: 'HG0 5ZZ' },
    gpPractice: 'Fictional Lane Surgery (synthetic)',
    lastUpdated: daysAgo(2, '09:00'),
  }),
  // The lab sends a reference range but no interpretation: the consumer must derive or show none.
  ...labPanel({
    id: id('khan:tft'), patientId: KHAN, code: PANEL.tft, text: 'Thyroid function tests',
    effective: daysAgo(6, '10:15'), issued: daysAgo(5, '09:40'), performer: LAB, accession: acc('H25.0420018'),
    tests: [
      { id: id('khan:tft:tsh'), code: TEST.tsh, text: 'TSH', value: { quantity: 6.8, ...UNIT.mUPerL }, range: { low: 0.27, high: 4.2 } },
      { id: id('khan:tft:ft4'), code: TEST.freeT4, text: 'Free T4', value: { quantity: 13.1, ...UNIT.pmolPerL }, range: { low: 12, high: 22 } },
    ],
  }),
  ...labPanel({
    id: id('khan:fbc'), patientId: KHAN, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(6, '10:15'), issued: daysAgo(6, '11:50'), performer: LAB, accession: acc('H25.0420017'),
    tests: [
      { id: id('khan:fbc:hb'), code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 109, ...UNIT.gPerL }, range: { low: 115, high: 165 }, interpretation: 'L' },
      { id: id('khan:fbc:wbc'), code: TEST.whiteCells, text: 'White cell count', value: { quantity: 5.2, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'N' },
      { id: id('khan:fbc:plt'), code: TEST.platelets, text: 'Platelets', value: { quantity: 188, ...UNIT.per10e9L }, range: { low: 150, high: 400 }, interpretation: 'N' },
    ],
  }),
  // Still incubating: a preliminary report.
  ...labPanel({
    id: id('khan:blood-culture'), patientId: KHAN, code: PANEL.bloodCulture, text: 'Blood culture', status: 'preliminary',
    effective: daysAgo(4, '22:50'), issued: daysAgo(2, '08:30'), performer: LAB, accession: acc('H25.M0101277'),
    tests: [
      {
        id: id('khan:blood-culture:result'), code: TEST.bloodCulture, text: 'Blood culture', status: 'preliminary',
        value: { text: 'No growth after 48 hours of incubation. Final report to follow at 5 days.' },
      },
    ],
  }),
  flag({
    id: id('khan:flag:penicillin'),
    patientId: KHAN,
    status: 'active',
    category: 'safety',
    code: FLAG_CODE.penicillinAllergy,
    text: 'Allergy to penicillin: anaphylaxis',
    start: daysAgo(730, '14:00'),
    author: `${ORG} — Emergency Department`,
  }),
  // A sensitive category (genito-urinary medicine): must be excluded by the BFF's sensitiveCodes.
  letter({
    id: id('khan:letter:gum'),
    patientId: KHAN,
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Sexual health clinic letter',
    date: daysAgo(90, '12:00'),
    author: ORG,
    specialty: SPECIALTY.genitourinary,
    period: { start: daysAgo(92, '16:00') },
    content: {
      contentType: 'text/plain',
      body: 'Sexual health clinic. Routine attendance. No further action.\n\nSynthetic demonstration letter - not a real patient.',
    },
  }),
];

// ------------------------------------------------------------ Oliver Brennan: CKD monitoring, many results
const BRENNAN = id('brennan:patient');

// Ten monthly U&E reports: five Observations each, so an Observation search for this patient
// (56 results) is longer than one default page of 50.
// Most recent first: slowly improving after a ramipril dose change, as the renal letter says.
const CREATININE = [148, 150, 152, 156, 160, 159, 165, 162, 168, 171];
const EGFR = [45, 45, 44, 43, 42, 42, 40, 41, 39, 38];
const POTASSIUM = [4.8, 5.0, 4.9, 5.2, 5.0, 5.1, 5.3, 5.2, 5.4, 5.6];

const brennanUe: Resource[] = CREATININE.flatMap((creatinine, month) => {
  const days = 14 + month * 30;
  const k = POTASSIUM[month] ?? 5;
  const egfr = EGFR[month] ?? 40;
  const key = `brennan:ue:${month}`;
  return labPanel({
    id: id(key), patientId: BRENNAN, code: PANEL.ue, text: 'Urea and electrolytes',
    effective: daysAgo(days, '09:10'), issued: daysAgo(days, '15:30'), performer: LAB, accession: acc(`H25.03${String(7000 + month * 37)}`),
    tests: [
      { id: id(`${key}:na`), code: TEST.sodium, text: 'Sodium', value: { quantity: 139, ...UNIT.mmolPerL }, range: { low: 133, high: 146 }, interpretation: 'N' },
      { id: id(`${key}:k`), code: TEST.potassium, text: 'Potassium', value: { quantity: k, ...UNIT.mmolPerL }, range: { low: 3.5, high: 5.3 }, interpretation: k > 5.3 ? 'H' : 'N' },
      { id: id(`${key}:urea`), code: TEST.urea, text: 'Urea', value: { quantity: 11.2, ...UNIT.mmolPerL }, range: { low: 2.5, high: 7.8 }, interpretation: 'H' },
      { id: id(`${key}:creat`), code: TEST.creatinine, text: 'Creatinine', value: { quantity: creatinine, ...UNIT.umolPerL }, range: { low: 59, high: 104 }, interpretation: 'H' },
      { id: id(`${key}:egfr`), code: TEST.egfr, text: 'eGFR (CKD-EPI)', value: { quantity: egfr, ...UNIT.egfr }, range: { low: 60 }, interpretation: 'L' },
    ],
  });
});

const brennanFbc: Resource[] = [74, 254].flatMap((days, n) =>
  labPanel({
    id: id(`brennan:fbc:${n}`), patientId: BRENNAN, code: PANEL.fbc, text: 'Full blood count',
    effective: daysAgo(days, '09:10'), issued: daysAgo(days, '12:00'), performer: LAB, accession: acc(`H25.04${String(1100 + n)}`),
    tests: [
      { id: id(`brennan:fbc:${n}:hb`), code: TEST.haemoglobin, text: 'Haemoglobin', value: { quantity: 118 + n * 3, ...UNIT.gPerL }, range: { low: 130, high: 180 }, interpretation: 'L' },
      { id: id(`brennan:fbc:${n}:wbc`), code: TEST.whiteCells, text: 'White cell count', value: { quantity: 6.4, ...UNIT.per10e9L }, range: { low: 4, high: 11 }, interpretation: 'N' },
      { id: id(`brennan:fbc:${n}:plt`), code: TEST.platelets, text: 'Platelets', value: { quantity: 221, ...UNIT.per10e9L }, range: { low: 150, high: 400 }, interpretation: 'N' },
    ],
  }),
);

const brennan: Resource[] = [
  ukCorePatient({
    id: BRENNAN,
    nhsNumber: '9990000026',
    prefix: 'Mr',
    given: ['Oliver', 'James'],
    family: 'Brennan',
    gender: 'male',
    birthDate: '1975-04-17',
    address: { lines: ['41 Nidd View'], city: 'Ripon', postalCode: 'HG0 7ZZ' },
    gpPractice: 'Fictional Lane Surgery (synthetic)',
    lastUpdated: daysAgo(10, '10:00'),
  }),
  ...brennanUe,
  ...brennanFbc,
  flag({
    id: id('brennan:flag:ckd'),
    patientId: BRENNAN,
    status: 'active',
    category: 'clinical',
    code: FLAG_CODE.ckd3b,
    text: 'Chronic kidney disease stage 3b: avoid NSAIDs, review drug doses',
    start: daysAgo(400, '11:00'),
    author: `${ORG} — Renal Unit`,
  }),
  letter({
    id: id('brennan:letter:renal'),
    patientId: BRENNAN,
    type: OUTPATIENT_LETTER,
    typeText: 'Outpatient clinic letter',
    title: 'Renal clinic letter',
    date: daysAgo(10, '10:00'),
    author: ORG,
    specialty: SPECIALTY.nephrology,
    period: { start: daysAgo(13, '14:30') },
    content: {
      contentType: 'text/html',
      body: [
        '<h1>Renal outpatient clinic</h1>',
        '<p>CKD G3b A2, stable over the past year (eGFR 38–45).</p>',
        '<table><thead><tr><th>Test</th><th>Latest</th></tr></thead>',
        '<tbody><tr><td>Creatinine</td><td>148 µmol/L</td></tr><tr><td>eGFR</td><td>45 mL/min/1.73m²</td></tr></tbody></table>',
        '<p>Please avoid NSAIDs and check U&amp;E two weeks after any change to his ramipril dose.</p>',
        '<p>Synthetic demonstration letter — not a real patient.</p>',
      ].join('\n'),
    },
  }),
];

/** Every resource held by hospital B, in a fixed order. */
export const hospitalBResources: readonly Resource[] = [...oyelaran, ...khan, ...brennan];
