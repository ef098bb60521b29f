/**
 * The GP practice's own patient list for the demo page. All fictional; NHS numbers
 * are from the 999 test range with a valid Modulus 11 check digit. Browser-safe: no
 * imports, so the page can load it directly.
 */
export interface GpPatient {
  readonly nhsNumber: string;
  readonly title: string;
  readonly family: string;
  readonly given: string;
  readonly birthDate: string;
  readonly gender: 'male' | 'female' | 'other' | 'unknown';
  /** One line for the mock consultation. */
  readonly reason: string;
  /** What this patient demonstrates, for people running the demo. */
  readonly scenario: string;
}

export const gpPatients: readonly GpPatient[] = [
  {
    nhsNumber: '9993456780',
    title: 'Mrs',
    family: 'Hartley',
    given: 'Eleanor',
    birthDate: '1946-03-14',
    gender: 'female',
    reason: 'Review after hospital discharge (acute kidney injury, urinary infection)',
    scenario:
      'Leeds only: critical and abnormal results (creatinine 182 on admission against a baseline of 78, now 121), an amended report, a corrected CRP whose first value shows only in its history, discharge summary, active falls-risk flag; an inactive flag and an entered-in-error potassium must not show.',
  },
  {
    nhsNumber: '9994567896',
    title: 'Mr',
    family: 'Oyelaran',
    given: 'Samuel',
    birthDate: '1962-09-02',
    gender: 'male',
    reason: 'Type 2 diabetes review; follow-up of cardiology clinic',
    scenario:
      'Known to BOTH hospitals with different data: Leeds has HbA1c, LFTs, a normal creatinine and a diabetes clinic letter; Harrogate has a later raised creatinine (a rise only visible across both sources), FBC, CRP, a urine culture and a cardiology letter whose superseded earlier version must not show.',
  },
  {
    nhsNumber: '9996789012',
    title: 'Ms',
    family: 'Khan',
    given: 'Aisha',
    birthDate: '1988-06-21',
    gender: 'female',
    reason: 'Tiredness; feverish last week, blood culture taken in A&E',
    scenario:
      'Harrogate only: penicillin anaphylaxis safety flag, thyroid results with a reference range but no interpretation, a preliminary blood culture, and a sexual-health letter that sensitive-code filtering must hide.',
  },
  {
    nhsNumber: '9997890124',
    title: 'Mr',
    family: 'Winterbottom',
    given: 'Thomas',
    birthDate: '2001-11-30',
    gender: 'male',
    reason: 'Sore throat for three days',
    scenario: 'Unknown to both hospitals: the sidebar should say there is nothing to show, not fail.',
  },
  {
    nhsNumber: '9992345675',
    title: 'Mrs',
    family: 'Llewellyn',
    given: 'Gwen',
    birthDate: '1934-01-08',
    gender: 'female',
    reason: 'Annual frailty review',
    scenario: 'Leeds only: all results normal (one coded urine dipstick result) and a plain-text geriatric clinic letter.',
  },
  {
    nhsNumber: '9990000026',
    title: 'Mr',
    family: 'Brennan',
    given: 'Oliver',
    birthDate: '1975-04-17',
    gender: 'male',
    reason: 'Chronic kidney disease: medication review',
    scenario:
      'Harrogate only: ten monthly U&E reports (more than one page of Observations: the BFF must follow `next`), CKD 3b flag, nephrology letter.',
  },
  {
    nhsNumber: '9990000034',
    title: 'Dr',
    family: 'Raman',
    given: 'Priya',
    birthDate: '1969-12-05',
    gender: 'female',
    reason: 'Lower back pain',
    scenario: 'Leeds holds results and a letter but also an active opt-out Consent (deny): nothing clinical should be shown.',
  },
];
