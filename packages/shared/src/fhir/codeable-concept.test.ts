import { describe, expect, it } from 'vitest';
import type { CodeableConcept } from '@medplum/fhirtypes';
import { conceptText, referenceDisplay, referencedId, toCodedConcept } from './codeable-concept.ts';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';

const potassium: CodeableConcept = {
  coding: [
    { system: SNOMED, code: '1000651000000109', display: 'Serum potassium level' },
    { system: LOINC, code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
  ],
};

describe('conceptText', () => {
  it('prefers the text, trimmed', () => {
    expect(conceptText({ ...potassium, text: '  Potassium  ' })).toBe('Potassium');
  });

  it('falls back to the first coding that has a display, skipping blank ones', () => {
    expect(
      conceptText({
        text: '   ',
        coding: [{ system: SNOMED, code: '1000651000000109', display: ' ' }, ...(potassium.coding ?? []).slice(1)],
      }),
    ).toBe('Potassium [Moles/volume] in Serum or Plasma');
  });

  it('gives undefined when nothing is readable', () => {
    expect(conceptText(undefined)).toBeUndefined();
    expect(conceptText({ coding: [{ system: SNOMED, code: '1000651000000109' }] })).toBeUndefined();
  });
});

describe('toCodedConcept', () => {
  it('keeps the first coding system and code for traceability', () => {
    expect(toCodedConcept(potassium)).toEqual({
      display: 'Serum potassium level',
      system: SNOMED,
      code: '1000651000000109',
    });
  });

  it('shows the code when there is no display at all', () => {
    expect(toCodedConcept({ coding: [{ system: LOINC, code: '2823-3' }] })).toEqual({
      display: '2823-3',
      system: LOINC,
      code: '2823-3',
    });
  });

  it('keeps text-only concepts without system or code', () => {
    expect(toCodedConcept({ text: 'Urea and electrolytes' })).toEqual({ display: 'Urea and electrolytes' });
  });

  it('gives undefined for an empty concept', () => {
    expect(toCodedConcept({})).toBeUndefined();
    expect(toCodedConcept(undefined)).toBeUndefined();
  });
});

describe('referenceDisplay', () => {
  it('trims the display and treats blank as absent', () => {
    expect(referenceDisplay({ display: ' Pathology, Example NHS Foundation Trust ' })).toBe(
      'Pathology, Example NHS Foundation Trust',
    );
    expect(referenceDisplay({ reference: 'Organization/1', display: '  ' })).toBeUndefined();
    expect(referenceDisplay(undefined)).toBeUndefined();
  });
});

describe('referencedId', () => {
  it.each([
    ['Observation/1', '1'],
    ['Observation/k-12.a', 'k-12.a'],
    ['https://fhir.example.nhs.uk/R4/Observation/1', '1'],
    ['Observation/1/_history/2', '1'],
    ['https://fhir.example.nhs.uk/R4/Observation/1/_history/3', '1'],
  ])('resolves %s to %s', (reference, id) => {
    expect(referencedId(reference, 'Observation')).toBe(id);
  });

  it.each([
    [undefined],
    [''],
    ['Specimen/1'],
    ['#contained-obs'],
    ['urn:uuid:2b7c4f1e-6a38-4a55-9c55-0d1b0f3f2a11'],
    ['MyObservation/1'],
    ['Observation/1/extra'],
  ])('does not resolve %s', (reference) => {
    expect(referencedId(reference, 'Observation')).toBeUndefined();
  });

  it('keeps each type to its own pattern, however the calls interleave', () => {
    expect(referencedId('Patient/p-1', 'Patient')).toBe('p-1');
    expect(referencedId('Patient/p-1', 'Observation')).toBeUndefined();
    expect(referencedId('Observation/o-1', 'Patient')).toBeUndefined();
    expect(referencedId('Observation/o-1', 'Observation')).toBe('o-1');
  });
});
