/**
 * The codes used by the synthetic data. SNOMED CT UK edition codes for the common
 * UK pathology observables (the UK Pathology Bounded Code List style), LOINC where a
 * lab might plausibly send LOINC, UCUM for units. Displays are the code systems'
 * terms; the builders add the short `text` a clinician reads.
 */
import { LOINC, SNOMED, type Code } from './fhir-builders.ts';

const sct = (code: string, display: string): Code => ({ system: SNOMED, code, display });
const loinc = (code: string, display: string): Code => ({ system: LOINC, code, display });

// Report (panel) codes: SNOMED CT procedures.
export const PANEL = {
  fbc: sct('26604007', 'Complete blood count'),
  ue: sct('252167001', 'Measurement of urea and electrolytes'),
  lft: sct('26958001', 'Hepatic function panel'),
  hba1c: sct('43396009', 'Hemoglobin A1c measurement'),
  tft: sct('35650009', 'Thyroid panel'),
  crp: sct('55235003', 'C-reactive protein measurement'),
  urineCulture: sct('117010004', 'Urine culture'),
  bloodCulture: sct('30088009', 'Blood culture'),
  urinalysis: sct('27171005', 'Urinalysis'),
} as const;

// Observable codes.
export const TEST = {
  haemoglobin: sct('1022431000000105', 'Haemoglobin estimation'),
  whiteCells: sct('1022541000000102', 'Total white blood count'),
  platelets: sct('1022651000000100', 'Platelet count'),
  sodium: sct('1000661000000107', 'Serum sodium level'),
  potassium: sct('1000651000000109', 'Serum potassium level'),
  urea: loinc('22664-7', 'Urea [Moles/volume] in Serum or Plasma'),
  creatinine: sct('1000731000000107', 'Serum creatinine level'),
  egfr: sct(
    '1011481000000105',
    'eGFR (estimated glomerular filtration rate) using creatinine Chronic Kidney Disease Epidemiology Collaboration equation per 1.73 square metres',
  ),
  hba1c: sct('999791000000106', 'Haemoglobin A1c level - International Federation of Clinical Chemistry and Laboratory Medicine standardised'),
  alt: loinc('1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma'),
  alp: loinc('6768-6', 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma'),
  bilirubin: loinc('14631-6', 'Bilirubin.total [Moles/volume] in Serum or Plasma'),
  albumin: loinc('1751-7', 'Albumin [Mass/volume] in Serum or Plasma'),
  tsh: loinc('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma'),
  freeT4: loinc('14920-3', 'Thyroxine (T4) free [Moles/volume] in Serum or Plasma'),
  crp: loinc('1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma'),
  urineCulture: loinc('630-4', 'Bacteria identified in Urine by Culture'),
  bloodCulture: loinc('600-7', 'Bacteria identified in Blood by Culture'),
  urineProtein: loinc('20454-5', 'Protein [Presence] in Urine by Test strip'),
} as const;

export const VALUE = {
  negative: sct('260385009', 'Negative'),
} as const;

// UCUM units (code) and how the lab prints them (unit).
export const UNIT = {
  gPerL: { ucum: 'g/L' },
  per10e9L: { ucum: '10*9/L', unit: '10^9/L' },
  mmolPerL: { ucum: 'mmol/L' },
  umolPerL: { ucum: 'umol/L' },
  egfr: { ucum: 'mL/min/{1.73_m2}', unit: 'mL/min/1.73m2' },
  mmolPerMol: { ucum: 'mmol/mol' },
  unitsPerL: { ucum: 'U/L' },
  mUPerL: { ucum: 'm[IU]/L', unit: 'mU/L' },
  pmolPerL: { ucum: 'pmol/L' },
  mgPerL: { ucum: 'mg/L' },
} as const;

// Practice settings (SNOMED CT, FHIR c80-practice-codes).
export const SPECIALTY = {
  generalMedicine: sct('394802001', 'General medicine'),
  geriatrics: sct('394811001', 'Geriatric medicine'),
  endocrinology: sct('394583002', 'Endocrinology'),
  cardiology: sct('394579002', 'Cardiology'),
  nephrology: sct('394589003', 'Nephrology'),
  orthopaedics: sct('394801008', 'Trauma & orthopedics'),
  /** A sensitive category: letters from it should be excluded by the BFF's `sensitiveCodes`. */
  genitourinary: sct('394808002', 'Genito-urinary medicine'),
} as const;

export const FLAG_CODE = {
  fallsRisk: sct('129839007', 'At risk for falls'),
  penicillinAllergy: sct('91936005', 'Allergy to penicillin'),
  ckd3b: sct('700379002', 'Chronic kidney disease stage 3B'),
} as const;
