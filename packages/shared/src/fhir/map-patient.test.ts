import { describe, expect, it } from 'vitest';
import type { HumanName, Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../nhs-number.ts';
import type { SourceRef } from '../view-models.ts';
import { mapPatientBanner, patientHasNhsNumber } from './map-patient.ts';

const GP: SourceRef = { id: 'gp', name: 'Riverside Surgery' };
const NHS = '9990000018';
const OTHER_NHS = '9990000026';

function patient(names: HumanName[], overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    id: 'pat-1',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: NHS }],
    name: names,
    gender: 'female',
    birthDate: '1984-07-21',
    ...overrides,
  };
}

const official: HumanName = { use: 'official', family: 'Example', given: ['Adaeze', 'Grace'], prefix: ['Mrs'] };
const usual: HumanName = { use: 'usual', family: 'Example', given: ['Ada'] };
const maiden: HumanName = { use: 'old', family: 'Testwell', given: ['Adaeze'], period: { end: '2010-06-01' } };

describe('mapPatientBanner', () => {
  it('prefers the official name, whatever its position', () => {
    expect(mapPatientBanner(NHS, patient([maiden, usual, official]), GP)).toEqual({
      nhsNumber: NHS,
      name: { family: 'Example', given: ['Adaeze', 'Grace'], prefix: ['Mrs'] },
      birthDate: '1984-07-21',
      gender: 'female',
      source: GP,
    });
  });

  it('then the usual name, then a current name, never an old one if another exists', () => {
    expect(mapPatientBanner(NHS, patient([maiden, usual]), GP).name).toEqual({ family: 'Example', given: ['Ada'] });
    expect(mapPatientBanner(NHS, patient([maiden, { family: 'Example', given: ['Ada'] }]), GP).name?.family).toBe(
      'Example',
    );
    expect(mapPatientBanner(NHS, patient([maiden]), GP).name?.family).toBe('Testwell');
  });

  it('trims parts and drops blank ones; omits a name with neither family nor given', () => {
    expect(
      mapPatientBanner(
        NHS,
        patient([{ use: 'official', family: ' Example ', given: [' Ada ', ' '], prefix: [' '] }]),
        GP,
      ).name,
    ).toEqual({
      family: 'Example',
      given: ['Ada'],
    });
    expect(mapPatientBanner(NHS, patient([{ use: 'official', family: ' ', given: [] }]), GP)).not.toHaveProperty(
      'name',
    );
  });

  it("always carries the session's NHS number, never the source's", () => {
    const stranger = patient([official], { identifier: [{ system: NHS_NUMBER_SYSTEM, value: OTHER_NHS }] });
    expect(mapPatientBanner(NHS, stranger, GP).nhsNumber).toBe(NHS);
    expect(mapPatientBanner(NHS, undefined, undefined)).toEqual({ nhsNumber: NHS });
  });
});

describe('patientHasNhsNumber', () => {
  it('matches the nhs-number identifier, ignoring spaces', () => {
    expect(
      patientHasNhsNumber(patient([], { identifier: [{ system: NHS_NUMBER_SYSTEM, value: '999 000 0018' }] }), NHS),
    ).toBe(true);
  });

  it('refuses another number or another identifier system', () => {
    expect(patientHasNhsNumber(patient([]), OTHER_NHS)).toBe(false);
    expect(
      patientHasNhsNumber(
        patient([], { identifier: [{ system: 'https://fhir.example.nhs.uk/Id/mrn', value: NHS }] }),
        NHS,
      ),
    ).toBe(false);
    expect(patientHasNhsNumber(patient([], { identifier: [] }), NHS)).toBe(false);
  });
});
