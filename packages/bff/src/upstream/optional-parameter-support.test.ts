import { describe, expect, it } from 'vitest';
import { OPTIONAL_PARAMETERS_DISTRUST_MS, OptionalParameterSupport } from './optional-parameter-support.ts';

describe('OptionalParameterSupport', () => {
  it('remembers a refusal per resource type for an hour, then tries the parameters again', () => {
    let nowMs = 5_000;
    const support = new OptionalParameterSupport({ nowMs: () => nowMs });
    expect(support.accepted('DiagnosticReport')).toBe(true);
    support.refused('DiagnosticReport');
    expect(support.accepted('DiagnosticReport')).toBe(false);
    expect(support.accepted('Observation')).toBe(true);
    nowMs += OPTIONAL_PARAMETERS_DISTRUST_MS - 1;
    expect(support.accepted('DiagnosticReport')).toBe(false);
    nowMs += 1;
    expect(support.accepted('DiagnosticReport')).toBe(true);
  });

  it('tells its observer once per type and per fall, not once per search', () => {
    let nowMs = 0;
    const told: string[] = [];
    const support = new OptionalParameterSupport({
      nowMs: () => nowMs,
      distrustMs: 1_000,
      onRefused: (type) => told.push(type),
    });
    support.refused('DiagnosticReport');
    support.refused('DiagnosticReport');
    support.refused('Observation');
    expect(told).toEqual(['DiagnosticReport', 'Observation']);
    nowMs = 1_000;
    support.refused('DiagnosticReport');
    expect(told).toEqual(['DiagnosticReport', 'Observation', 'DiagnosticReport']);
  });
});
