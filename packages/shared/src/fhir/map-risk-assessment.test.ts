import type { RiskAssessment } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapRiskAssessment } from './map-risk-assessment.ts';

const SOURCE = { id: 'hospital-a', name: 'Hospital A' };
const RISK = 'http://terminology.hl7.org/CodeSystem/risk-probability';
const base = (over: Partial<RiskAssessment> = {}): RiskAssessment => ({
  resourceType: 'RiskAssessment',
  id: 'ra1',
  status: 'final',
  subject: { reference: 'Patient/p1' },
  occurrenceDateTime: '2026-11-20T10:00:00Z',
  method: { text: 'NEWS2' },
  basis: [{ display: 'Observation: respiratory rate 24/min' }, { display: 'Observation: SpO2 91%' }],
  prediction: [
    {
      outcome: { text: 'clinical deterioration' },
      qualitativeRisk: { coding: [{ system: RISK, code: 'moderate', display: 'Moderate likelihood' }] },
      probabilityDecimal: 0.32,
    },
    {
      outcome: { text: 'ICU admission' },
      qualitativeRisk: { coding: [{ system: RISK, code: 'high', display: 'High likelihood' }] },
    },
  ],
  ...over,
});

describe('mapRiskAssessment', () => {
  it('shows the most severe prediction with its basis, method and date', () => {
    expect(mapRiskAssessment(base(), SOURCE)).toEqual({
      id: 'hospital-a:RiskAssessment/ra1',
      source: SOURCE,
      computed: false,
      text: 'Risk of ICU admission: High likelihood',
      reason: 'Based on Observation: respiratory rate 24/min, Observation: SpO2 91%',
      category: 'NEWS2',
      severity: 'high',
      date: '2026-11-20T10:00:00Z',
    });
  });

  it('shows a probability as a percentage and prefers the rationale as the reason', () => {
    const ra = base({
      prediction: [
        { outcome: { text: 'Risk of falls' }, probabilityDecimal: 0.125, rationale: 'Two falls in six months' },
      ],
    });
    expect(mapRiskAssessment(ra, SOURCE)).toMatchObject({
      text: 'Risk of falls: 12.5%',
      reason: 'Two falls in six months',
      severity: 'unknown',
    });
  });

  it('shows only final, amended and corrected assessments', () => {
    for (const status of ['final', 'amended', 'corrected'] as const)
      expect(mapRiskAssessment(base({ status }), SOURCE)).toBeDefined();
    for (const status of ['registered', 'preliminary', 'cancelled', 'entered-in-error', 'unknown'] as const) {
      expect(mapRiskAssessment(base({ status }), SOURCE), status).toBeUndefined();
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        mapRiskAssessment({ resourceType: 'RiskAssessment', status: 'final', subject: {}, ...(x as object) }, SOURCE);
        return true;
      }),
    );
  });
});
