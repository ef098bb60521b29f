import { describe, expect, it } from 'vitest';
import type { CodeableConcept, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import { V3_INTERPRETATION, deriveInterpretation, mapInterpretation } from './interpretation.ts';

const UCUM = 'http://unitsofmeasure.org';

function v3(code: string, display?: string): CodeableConcept {
  return { coding: [{ system: V3_INTERPRETATION, code, ...(display ? { display } : {}) }] };
}

function umol(value: number): Quantity {
  return { value, unit: 'umol/L', system: UCUM, code: 'umol/L' };
}

function mmol(value: number): Quantity {
  return { value, unit: 'mmol/L', system: UCUM, code: 'mmol/L' };
}

const creatinineRange: ObservationReferenceRange[] = [{ low: umol(59), high: umol(104) }];

describe('mapInterpretation', () => {
  it.each([
    ['N', 'Normal', false, false],
    ['H', 'High', true, false],
    ['L', 'Low', true, false],
    ['HH', 'Critically high', true, true],
    ['LL', 'Critically low', true, true],
    ['AA', 'Critically abnormal', true, true],
    ['POS', 'Positive', true, false],
    ['ND', 'Not detected', false, false],
  ])('maps v3 %s to %s (abnormal %s, critical %s)', (code, display, abnormal, critical) => {
    expect(mapInterpretation([v3(code)])).toEqual({ code, display, abnormal, critical, computed: false });
  });

  it('finds the v3 coding even when a local coding comes first', () => {
    const concept: CodeableConcept = {
      coding: [
        { system: 'https://lims.example.nhs.uk/flags', code: '++', display: 'Very high' },
        { system: V3_INTERPRETATION, code: 'HH' },
      ],
    };
    expect(mapInterpretation([concept])).toMatchObject({ code: 'HH', critical: true, abnormal: true });
  });

  it('shows an unknown v3 code as sent and treats it as abnormal', () => {
    expect(mapInterpretation([v3('WR', 'Weakly reactive')])).toEqual({
      code: 'WR',
      display: 'Weakly reactive',
      abnormal: true,
      critical: false,
      computed: false,
    });
  });

  it('shows a local code or free text as sent and treats it as abnormal', () => {
    expect(mapInterpretation([{ coding: [{ system: 'https://lims.example.nhs.uk/flags', code: '*' }] }])).toMatchObject(
      {
        code: '*',
        display: '*',
        abnormal: true,
      },
    );
    expect(mapInterpretation([{ text: 'Result outside reference range' }])).toMatchObject({
      code: 'unknown',
      display: 'Result outside reference range',
      abnormal: true,
      critical: false,
    });
  });

  it('gives undefined when nothing was sent', () => {
    expect(mapInterpretation(undefined)).toBeUndefined();
    expect(mapInterpretation([])).toBeUndefined();
    expect(mapInterpretation([{}])).toBeUndefined();
  });

  // Object.prototype members are found by KNOWN[code]: 'toString' maps to a function, so the
  // interpretation loses display and abnormal instead of being "shown as sent, abnormal".
  it('regression: an unknown v3 code named like an Object member (toString, constructor, __proto__) is still shown and abnormal', () => {
    for (const code of ['toString', 'constructor', '__proto__']) {
      expect(mapInterpretation([v3(code)])).toEqual({
        code,
        display: code,
        abnormal: true,
        critical: false,
        computed: false,
      });
    }
  });
});

describe('deriveInterpretation', () => {
  it('computes High above the range in the same unit', () => {
    expect(deriveInterpretation(umol(130), creatinineRange)).toEqual({
      code: 'H',
      display: 'High',
      abnormal: true,
      critical: false,
      computed: true,
    });
  });

  it('computes Low below the range in the same unit', () => {
    expect(deriveInterpretation(umol(41), creatinineRange)).toMatchObject({
      code: 'L',
      computed: true,
      abnormal: true,
    });
  });

  it('computes nothing inside the range, including its bounds', () => {
    expect(deriveInterpretation(umol(80), creatinineRange)).toBeUndefined();
    expect(deriveInterpretation(umol(59), creatinineRange)).toBeUndefined();
    expect(deriveInterpretation(umol(104), creatinineRange)).toBeUndefined();
  });

  it('computes nothing when the range is in a different unit', () => {
    expect(deriveInterpretation(mmol(0.13), creatinineRange)).toBeUndefined();
    expect(deriveInterpretation({ value: 130, unit: 'µmol/L' }, creatinineRange)).toBeUndefined();
  });

  it('computes nothing for a value with a comparator', () => {
    expect(deriveInterpretation({ ...umol(30), comparator: '<' }, creatinineRange)).toBeUndefined();
  });

  it('uses a one-sided range', () => {
    const crp = (value: number): Quantity => ({ value, unit: 'mg/L', system: UCUM, code: 'mg/L' });
    expect(deriveInterpretation(crp(48), [{ high: crp(5) }])).toMatchObject({ code: 'H', computed: true });
    expect(deriveInterpretation(crp(0), [{ high: crp(5) }])).toBeUndefined();
  });

  it('uses the first numeric range, skipping text-only ones', () => {
    expect(deriveInterpretation(umol(130), [{ text: 'See age-specific ranges' }, ...creatinineRange])).toMatchObject({
      code: 'H',
    });
  });

  it('computes nothing without a value or a numeric range', () => {
    expect(deriveInterpretation(undefined, creatinineRange)).toBeUndefined();
    expect(deriveInterpretation({ unit: 'umol/L' }, creatinineRange)).toBeUndefined();
    expect(deriveInterpretation(umol(130), undefined)).toBeUndefined();
    expect(deriveInterpretation(umol(130), [{ text: '59-104' }])).toBeUndefined();
  });
});
