import type {
  CodeableConcept,
  DiagnosticReport,
  DocumentReference,
  Flag,
  Observation,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  ASSISTED_CONCEPTION,
  DEFAULT_SENSITIVE_CODE_GROUPS,
  DEFAULT_SENSITIVE_POLICY,
  GENDER_REASSIGNMENT,
  HIV,
  SECURITY_LABELS,
  SEXUAL_HEALTH_SERVICES,
  SEXUALLY_TRANSMITTED_INFECTIONS,
  TERMINATION_OF_PREGNANCY,
} from './default-sensitive-codes.ts';
import { sensitiveFilter, type CodeRef } from './sensitive-codes.ts';

const SCT = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UK_SPECIALTY = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-PracticeSettingCode';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

const excludes = sensitiveFilter(DEFAULT_SENSITIVE_POLICY);
const key = (c: CodeRef) => `${c.system}|${c.code}`;
const has = (group: readonly CodeRef[], system: string, code: string) =>
  group.some((c) => c.system === system && c.code === code);

const concept = (system: string, code: string, display: string): CodeableConcept => ({
  coding: [{ system, code, display }],
});

const result = (system: string, code: string, display: string, over: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  category: [concept('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', 'Laboratory')],
  code: { ...concept(system, code, display), text: display },
  subject: { reference: 'Patient/p1' },
  ...over,
});

const letter = (over: Partial<DocumentReference>): DocumentReference => ({
  resourceType: 'DocumentReference',
  status: 'current',
  subject: { reference: 'Patient/p1' },
  content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/b1' } }],
  ...over,
});

// An ordinary discharge summary from a general medical ward.
const dischargeSummary = letter({
  type: concept(SCT, '373942005', 'Discharge summary'),
  context: {
    practiceSetting: concept(UK_SPECIALTY, '300', 'General Internal Medicine'),
    event: [concept(SCT, '38341003', 'Hypertensive disorder')],
  },
});

describe('DEFAULT_SENSITIVE_POLICY: the list itself', () => {
  it('has every category the issue names, none of them empty', () => {
    for (const [name, group] of Object.entries(DEFAULT_SENSITIVE_CODE_GROUPS)) {
      expect(group.length, name).toBeGreaterThan(0);
    }
    expect(Object.keys(DEFAULT_SENSITIVE_CODE_GROUPS).sort()).toEqual([
      'ASSISTED_CONCEPTION',
      'GENDER_REASSIGNMENT',
      'HIV',
      'SEXUALLY_TRANSMITTED_INFECTIONS',
      'SEXUAL_HEALTH_SERVICES',
      'TERMINATION_OF_PREGNANCY',
    ]);
    expect(SECURITY_LABELS.length).toBeGreaterThan(0);
  });

  it('is exactly the groups, with no code listed twice (within or across groups)', () => {
    const all = Object.values(DEFAULT_SENSITIVE_CODE_GROUPS).flat();
    expect(DEFAULT_SENSITIVE_POLICY.codes).toEqual(all);
    const seen = new Map<string, number>();
    for (const c of all) seen.set(key(c), (seen.get(key(c)) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    expect(new Set(SECURITY_LABELS.map(key)).size).toBe(SECURITY_LABELS.length);
  });

  it('holds only well-formed codes in the systems it claims', () => {
    const shapes: Record<string, RegExp> = {
      [SCT]: /^[1-9]\d{5,17}$/, // SCTID: 6–18 digits, never a mangled "1.03E+15"
      [LOINC]: /^\d{1,6}-\d$/,
      [UK_SPECIALTY]: /^\d{3}$/,
    };
    for (const c of DEFAULT_SENSITIVE_POLICY.codes) {
      expect(Object.keys(shapes), key(c)).toContain(c.system);
      expect(c.code, key(c)).toMatch(shapes[c.system] as RegExp);
    }
    for (const c of SECURITY_LABELS) expect(c.system).toBe(ACT);
  });

  it('labels HIV, STD, SEX and SDV, and leaves mental health and substance use to local policy', () => {
    const labels = SECURITY_LABELS.map((c) => c.code);
    expect(labels).toEqual(expect.arrayContaining(['HIV', 'STD', 'SEX', 'SDV']));
    for (const off of ['PSY', 'MH', 'BH', 'ETH', 'SUD', 'PREGNANT']) expect(labels).not.toContain(off);
  });

  it('keeps LOINC codes that are not about the infection out of the STI group', () => {
    // The VSAC "Syphilis Tests" expansion carries two LDL cholesterol codes; they must not be copied.
    expect(has(SEXUALLY_TRANSMITTED_INFECTIONS, LOINC, '96259-7')).toBe(false);
    expect(has(SEXUALLY_TRANSMITTED_INFECTIONS, LOINC, '96597-0')).toBe(false);
  });
});

describe('DEFAULT_SENSITIVE_POLICY: each group catches a realistic item of its kind', () => {
  it('HIV: a viral load result coded in LOINC', () => {
    expect(has(HIV, LOINC, '20447-9')).toBe(true);
    const vl = result(
      LOINC,
      '20447-9',
      'HIV 1 RNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection',
      {
        valueQuantity: { value: 40, unit: 'copies/mL', system: 'http://unitsofmeasure.org', code: '{copies}/mL' },
      },
    );
    expect(excludes(vl)).toBe(true);
  });

  it('HIV: a 4th-generation screening test (LOINC) and a UK-coded viral load (SNOMED CT observable)', () => {
    expect(excludes(result(LOINC, '56888-1', 'HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma'))).toBe(true);
    expect(excludes(result(SCT, '998701000000106', 'Human immunodeficiency virus viral load'))).toBe(true);
  });

  it('HIV: a flag recording the diagnosis', () => {
    const flag: Flag = {
      resourceType: 'Flag',
      status: 'active',
      subject: { reference: 'Patient/p1' },
      code: concept(SCT, '86406008', 'Human immunodeficiency virus infection'),
    };
    expect(excludes(flag)).toBe(true);
  });

  it('STI: a chlamydia NAAT by LOINC, and a positive result carried only in the coded value', () => {
    expect(
      excludes(
        result(LOINC, '43304-5', 'Chlamydia trachomatis rRNA [Presence] in Specimen by NAA with probe detection'),
      ),
    ).toBe(true);
    const urine: Observation = {
      ...result(SCT, '0', 'placeholder'),
      code: { text: 'Urine chlamydia NAAT' },
      valueCodeableConcept: concept(SCT, '415798001', 'Chlamydia trachomatis detected in urine'),
    };
    expect(excludes(urine)).toBe(true);
  });

  it('STI: gonorrhoea and syphilis serology by LOINC; herpes simplex by a report conclusion', () => {
    expect(excludes(result(LOINC, '24111-7', 'Neisseria gonorrhoeae DNA [Presence] in Specimen by NAA'))).toBe(true);
    expect(excludes(result(LOINC, '20507-0', 'Reagin Ab [Presence] in Serum by RPR'))).toBe(true);
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { text: 'Genital swab' },
      conclusionCode: [concept(SCT, '423391007', 'Genital herpes simplex type 2')],
    };
    expect(excludes(report)).toBe(true);
  });

  it('sexual health services: a GUM clinic letter by practice setting (UK Core or SNOMED CT) or facility type', () => {
    expect(has(SEXUAL_HEALTH_SERVICES, UK_SPECIALTY, '360')).toBe(true);
    const clinicLetter = {
      type: concept(SCT, '371531000', 'Report of clinical encounter'),
    };
    expect(
      excludes(
        letter({
          ...clinicLetter,
          context: { practiceSetting: concept(UK_SPECIALTY, '360', 'Genitourinary Medicine') },
        }),
      ),
    ).toBe(true);
    expect(
      excludes(
        letter({ ...clinicLetter, context: { practiceSetting: concept(SCT, '394808002', 'Genito-urinary medicine') } }),
      ),
    ).toBe(true);
    expect(
      excludes(
        letter({
          ...clinicLetter,
          context: { facilityType: concept(SCT, '431654006', 'Genitourinary medicine clinic') },
        }),
      ),
    ).toBe(true);
    expect(
      excludes(
        letter({
          ...clinicLetter,
          context: { practiceSetting: concept(UK_SPECIALTY, '504', 'Community Sexual and Reproductive Health') },
        }),
      ),
    ).toBe(true);
  });

  it('assisted conception: a report coded with the IVF procedure, and a letter whose event is embryo transfer', () => {
    expect(has(ASSISTED_CONCEPTION, SCT, '52637005')).toBe(true);
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: concept(SCT, '52637005', 'Test tube ovum fertilization'),
    };
    expect(excludes(report)).toBe(true);
    expect(excludes(letter({ context: { event: [concept(SCT, '75456002', 'Embryo transfer')] } }))).toBe(true);
  });

  it('termination of pregnancy: a procedure and a referral letter', () => {
    expect(has(TERMINATION_OF_PREGNANCY, SCT, '415262008')).toBe(true);
    const procedure: Procedure = {
      resourceType: 'Procedure',
      status: 'completed',
      subject: { reference: 'Patient/p1' },
      code: concept(SCT, '57797005', 'Induced termination of pregnancy'),
    };
    expect(excludes(procedure)).toBe(true);
    expect(excludes(letter({ type: concept(SCT, '415262008', 'Referral for termination of pregnancy') }))).toBe(true);
  });

  it('gender reassignment: a gender identity clinic letter and a surgical procedure', () => {
    expect(has(GENDER_REASSIGNMENT, SCT, '1101621000000101')).toBe(true);
    expect(
      excludes(letter({ context: { event: [concept(SCT, '1101621000000101', 'Seen in gender identity clinic')] } })),
    ).toBe(true);
    const procedure: Procedure = {
      resourceType: 'Procedure',
      status: 'completed',
      subject: { reference: 'Patient/p1' },
      code: concept(SCT, '719670005', 'Gender confirmation surgery'),
    };
    expect(excludes(procedure)).toBe(true);
  });

  it('security labels: any item labelled HIV, STD, SEX or SDV, whatever its codes', () => {
    const creatinine = result(LOINC, '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma');
    for (const code of ['HIV', 'STD', 'SEX', 'SDV']) {
      expect(excludes({ ...creatinine, meta: { security: [{ system: ACT, code }] } }), code).toBe(true);
    }
  });
});

describe('DEFAULT_SENSITIVE_POLICY: ordinary items are shown', () => {
  const ordinary: [string, Resource][] = [
    ['serum creatinine (LOINC 2160-0)', result(LOINC, '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma')],
    ['haemoglobin (LOINC 718-7)', result(LOINC, '718-7', 'Hemoglobin [Mass/volume] in Blood')],
    ['HbA1c (LOINC 4548-4)', result(LOINC, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood')],
    ['a discharge summary from general medicine', dischargeSummary],
    [
      'an obstetrics letter (pregnancy is not a withheld category)',
      letter({ context: { practiceSetting: concept(UK_SPECIALTY, '501', 'Obstetrics') } }),
    ],
  ];
  it.each(ordinary)('%s', (_name, resource) => {
    expect(excludes(resource)).toBe(false);
  });

  it('does not withhold items labelled only for mental health or substance use (PSY, ETH) by default', () => {
    expect(excludes({ ...dischargeSummary, meta: { security: [{ system: ACT, code: 'PSY' }] } })).toBe(false);
    expect(excludes({ ...dischargeSummary, meta: { security: [{ system: ACT, code: 'ETH' }] } })).toBe(false);
  });

  it('lets a deployment extend the default without losing it', () => {
    const extended = sensitiveFilter({
      codes: [...DEFAULT_SENSITIVE_POLICY.codes, { system: UK_SPECIALTY, code: '710' }],
      securityLabels: [...DEFAULT_SENSITIVE_POLICY.securityLabels, { system: ACT, code: 'PSY' }],
    });
    const psychiatry = letter({ context: { practiceSetting: concept(UK_SPECIALTY, '710', 'Adult Mental Illness') } });
    expect(extended(psychiatry)).toBe(true);
    expect(extended({ ...dischargeSummary, meta: { security: [{ system: ACT, code: 'PSY' }] } })).toBe(true);
    expect(extended(result(LOINC, '20447-9', 'HIV 1 RNA viral load'))).toBe(true);
    expect(extended(dischargeSummary)).toBe(false);
  });
});
