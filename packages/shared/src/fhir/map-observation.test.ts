import { describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { resultValueText } from '../result-value-text.ts';
import type { ResultValue } from '../view-models.ts';
import { DECIMAL_TEXT_KEY } from './decimal-text.ts';
import { V3_INTERPRETATION } from './interpretation.ts';
import { isShownResultStatus, mapObservation } from './map-observation.ts';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

/** A serum creatinine result, UK Core-shaped; override what the test is about. */
function creatinine(overrides: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id: 'obs-creat-1',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
    ],
    code: {
      coding: [
        { system: SNOMED, code: '1000731000000107', display: 'Serum creatinine level' },
        { system: LOINC, code: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma' },
      ],
    },
    subject: { reference: 'Patient/pat-1' },
    effectiveDateTime: '2025-03-04T09:15:00+00:00',
    issued: '2025-03-04T14:02:11.000+00:00',
    valueQuantity: { value: 88, unit: 'umol/L', system: UCUM, code: 'umol/L' },
    referenceRange: [
      {
        low: { value: 59, unit: 'umol/L', system: UCUM, code: 'umol/L' },
        high: { value: 104, unit: 'umol/L', system: UCUM, code: 'umol/L' },
      },
    ],
    ...overrides,
  };
}

function interpretation(code: string) {
  return [{ coding: [{ system: V3_INTERPRETATION, code }] }];
}

describe('mapObservation: identity and status', () => {
  it('maps a final result with name, status and dates', () => {
    expect(mapObservation(creatinine())).toEqual({
      id: 'obs-creat-1',
      name: { display: 'Serum creatinine level', system: SNOMED, code: '1000731000000107' },
      status: 'final',
      value: { kind: 'quantity', value: 88, unit: 'umol/L' },
      referenceRange: '59–104 umol/L',
      effective: '2025-03-04T09:15:00+00:00',
      issued: '2025-03-04T14:02:11.000+00:00',
    });
  });

  it.each(['final', 'amended', 'corrected', 'preliminary'] as const)('shows status %s', (status) => {
    expect(mapObservation(creatinine({ status }))?.status).toBe(status);
  });

  it.each(['registered', 'cancelled', 'entered-in-error', 'unknown'] as const)('never shows status %s', (status) => {
    expect(mapObservation(creatinine({ status }))).toBeUndefined();
  });

  it('drops an observation without id or without any name', () => {
    const { id: _id, ...noId } = creatinine();
    expect(mapObservation(noId)).toBeUndefined();
    expect(mapObservation(creatinine({ code: {} }))).toBeUndefined();
  });

  it('takes the effective time from a period start or an instant', () => {
    const { effectiveDateTime: _e, ...undated } = creatinine();
    expect(
      mapObservation({ ...undated, effectivePeriod: { start: '2025-03-04T09:00:00Z', end: '2025-03-05T09:00:00Z' } })
        ?.effective,
    ).toBe('2025-03-04T09:00:00Z');
    expect(mapObservation({ ...undated, effectiveInstant: '2025-03-04T09:01:02.345Z' })?.effective).toBe(
      '2025-03-04T09:01:02.345Z',
    );
    expect(mapObservation(undated)).not.toHaveProperty('effective');
  });

  it('isShownResultStatus accepts only the four shown statuses', () => {
    expect(
      ['final', 'amended', 'corrected', 'preliminary', 'registered', 'partial', undefined].map(isShownResultStatus),
    ).toEqual([true, true, true, true, false, false, false]);
  });
});

describe('mapObservation: values', () => {
  it('shows the human unit rather than the UCUM code', () => {
    const obs = creatinine({ valueQuantity: { value: 88, unit: 'µmol/L', system: UCUM, code: 'umol/L' } });
    expect(mapObservation(obs)?.value).toEqual({ kind: 'quantity', value: 88, unit: 'µmol/L' });
  });

  it('falls back to the UCUM code when there is no human unit', () => {
    const obs = creatinine({ valueQuantity: { value: 88, system: UCUM, code: 'umol/L' } });
    expect(mapObservation(obs)?.value).toEqual({ kind: 'quantity', value: 88, unit: 'umol/L' });
  });

  it('keeps a comparator', () => {
    const crp = creatinine({
      id: 'obs-crp-1',
      code: { coding: [{ system: SNOMED, code: '1001371000000100', display: 'Plasma C reactive protein level' }] },
      valueQuantity: { value: 4, comparator: '<', unit: 'mg/L', system: UCUM, code: 'mg/L' },
      referenceRange: [{ high: { value: 5, unit: 'mg/L', system: UCUM, code: 'mg/L' } }],
    });
    expect(mapObservation(crp)).toMatchObject({
      value: { kind: 'quantity', value: 4, unit: 'mg/L', comparator: '<' },
      referenceRange: '≤ 5 mg/L',
    });
  });

  it('shows a decimal with the precision the source wrote (4.0, not 4), in the value and its range', () => {
    // The BFF's FHIR client writes the source's text beside such a decimal (DECIMAL_TEXT_KEY).
    const written = (value: number, text: string, unit: string) => ({ value, unit, [DECIMAL_TEXT_KEY]: text });
    const potassium = creatinine({
      valueQuantity: written(4, '4.0', 'mmol/L'),
      referenceRange: [{ low: written(3.5, '3.50', 'mmol/L'), high: written(5.3, '5.3', 'mmol/L') }],
    });
    const mapped = mapObservation(potassium);
    expect(mapped).toMatchObject({
      value: { kind: 'quantity', value: 4, unit: 'mmol/L', text: '4.0' },
      referenceRange: '3.50–5.3 mmol/L',
    });
    expect(resultValueText(mapped?.value as ResultValue)).toBe('4.0 mmol/L');
    // A text that is not this very number is never shown in its place.
    expect(mapObservation(creatinine({ valueQuantity: written(4, '40.0', 'mmol/L') }))?.value).toEqual({
      kind: 'quantity',
      value: 4,
      unit: 'mmol/L',
    });
  });

  it('keeps a zero value', () => {
    expect(mapObservation(creatinine({ valueQuantity: { value: 0, unit: 'umol/L' } }))?.value).toEqual({
      kind: 'quantity',
      value: 0,
      unit: 'umol/L',
    });
  });

  it('shows a valueString, trimmed', () => {
    const { valueQuantity: _q, ...base } = creatinine();
    expect(mapObservation({ ...base, valueString: '  Sample haemolysed, please repeat ' })?.value).toEqual({
      kind: 'text',
      text: 'Sample haemolysed, please repeat',
    });
  });

  it('shows a valueCodeableConcept', () => {
    const { valueQuantity: _q, referenceRange: _r, ...base } = creatinine();
    const mrsa: Observation = {
      ...base,
      id: 'obs-mrsa-1',
      code: { coding: [{ system: SNOMED, code: '1029481000000103', display: 'MRSA screen' }] },
      valueCodeableConcept: { coding: [{ system: SNOMED, code: '260415000', display: 'Not detected' }] },
    };
    expect(mapObservation(mrsa)?.value).toEqual({
      kind: 'coded',
      concept: { display: 'Not detected', system: SNOMED, code: '260415000' },
    });
  });

  it('shows a valueInteger as a unitless quantity', () => {
    const { valueQuantity: _q, referenceRange: _r, ...base } = creatinine();
    expect(mapObservation({ ...base, valueInteger: 7 })?.value).toEqual({ kind: 'quantity', value: 7 });
  });

  it('shows a valueBoolean as Yes/No', () => {
    const { valueQuantity: _q, referenceRange: _r, ...base } = creatinine();
    expect(mapObservation({ ...base, valueBoolean: false })?.value).toEqual({ kind: 'text', text: 'No' });
  });

  it('shows the dataAbsentReason when there is no value', () => {
    const { valueQuantity: _q, ...base } = creatinine();
    const obs: Observation = {
      ...base,
      dataAbsentReason: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error', display: 'Error' },
        ],
        text: 'Sample haemolysed',
      },
    };
    expect(mapObservation(obs)?.value).toEqual({ kind: 'text', text: 'Sample haemolysed' });
  });

  it('drops an observation with no value, no reason and no interpretation', () => {
    const { valueQuantity: _q, ...base } = creatinine();
    expect(mapObservation(base)).toBeUndefined();
    expect(mapObservation({ ...base, valueString: '   ' })).toBeUndefined();
  });

  it('keeps an observation with only an interpretation', () => {
    const { valueQuantity: _q, ...base } = creatinine();
    const item = mapObservation({ ...base, interpretation: interpretation('POS') });
    expect(item?.interpretation).toMatchObject({ code: 'POS', abnormal: true });
    expect(item).not.toHaveProperty('value');
  });
});

describe('mapObservation: reference range', () => {
  it('formats low–high with the unit', () => {
    expect(mapObservation(creatinine())?.referenceRange).toBe('59–104 umol/L');
  });

  it('keeps the source text range', () => {
    const obs = creatinine({
      referenceRange: [
        { low: { value: 59, unit: 'umol/L' }, high: { value: 104, unit: 'umol/L' }, text: ' 59 - 104 (adult male) ' },
      ],
    });
    expect(mapObservation(obs)?.referenceRange).toBe('59 - 104 (adult male)');
  });

  it('formats one-sided ranges', () => {
    expect(
      mapObservation(creatinine({ referenceRange: [{ low: { value: 59, unit: 'umol/L' } }] }))?.referenceRange,
    ).toBe('≥ 59 umol/L');
    expect(mapObservation(creatinine({ referenceRange: [{ high: { value: 104 } }] }))?.referenceRange).toBe('≤ 104');
  });

  it('omits an empty range', () => {
    expect(mapObservation(creatinine({ referenceRange: [{}] }))).not.toHaveProperty('referenceRange');
  });
});

describe('mapObservation: interpretation', () => {
  it.each([
    ['H', true, false],
    ['L', true, false],
    ['HH', true, true],
    ['LL', true, true],
    ['N', false, false],
  ])('maps the source interpretation %s', (code, abnormal, critical) => {
    expect(mapObservation(creatinine({ interpretation: interpretation(code) }))?.interpretation).toMatchObject({
      code,
      abnormal,
      critical,
      computed: false,
    });
  });

  it('shows an unknown interpretation code and treats it as abnormal', () => {
    const obs = creatinine({
      interpretation: [{ coding: [{ system: V3_INTERPRETATION, code: 'IND', display: 'Indeterminate' }] }],
    });
    expect(mapObservation(obs)?.interpretation).toEqual({
      code: 'IND',
      display: 'Indeterminate',
      abnormal: true,
      critical: false,
      computed: false,
    });
  });

  it("computes 'H' when the source sent none and the value is above the range in the same unit", () => {
    expect(
      mapObservation(creatinine({ valueQuantity: { value: 130, unit: 'umol/L', system: UCUM, code: 'umol/L' } }))
        ?.interpretation,
    ).toEqual({
      code: 'H',
      display: 'High',
      abnormal: true,
      critical: false,
      computed: true,
    });
  });

  it('computes nothing when the range is in a different unit', () => {
    const obs = creatinine({ valueQuantity: { value: 1.3, unit: 'mg/dL', system: UCUM, code: 'mg/dL' } });
    expect(mapObservation(obs)).not.toHaveProperty('interpretation');
  });

  it("prefers the source's interpretation to a computed one", () => {
    const obs = creatinine({
      valueQuantity: { value: 130, unit: 'umol/L', code: 'umol/L' },
      interpretation: interpretation('N'),
    });
    expect(mapObservation(obs)?.interpretation).toMatchObject({ code: 'N', computed: false });
  });
});

describe('mapObservation: components', () => {
  const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
  const bp: Observation = {
    resourceType: 'Observation',
    id: 'bp1',
    status: 'final',
    code: { text: 'Blood pressure' },
    component: [
      {
        code: { text: 'Systolic' },
        valueQuantity: { value: 168, unit: 'mmHg' },
        interpretation: [{ coding: [{ system: V3, code: 'H' }] }],
      },
      {
        code: { text: 'Diastolic' },
        valueQuantity: { value: 82, unit: 'mmHg' },
        referenceRange: [{ low: { value: 60, unit: 'mmHg' }, high: { value: 90, unit: 'mmHg' } }],
      },
    ],
  };

  it('keeps each component, and summarises them as the value when the result has none of its own', () => {
    const item = mapObservation(bp);
    expect(item?.value).toEqual({ kind: 'text', text: 'Systolic 168 mmHg; Diastolic 82 mmHg' });
    expect(item?.components?.map((c) => [c.name.display, c.value, c.referenceRange, c.interpretation?.code])).toEqual([
      ['Systolic', { kind: 'quantity', value: 168, unit: 'mmHg' }, undefined, 'H'],
      ['Diastolic', { kind: 'quantity', value: 82, unit: 'mmHg' }, '60–90 mmHg', undefined],
    ]);
  });

  it('marks the whole result abnormal when a part is, saying so', () => {
    expect(mapObservation(bp)?.interpretation).toMatchObject({
      code: 'H',
      abnormal: true,
      display: 'High (part of result)',
    });
  });
});
