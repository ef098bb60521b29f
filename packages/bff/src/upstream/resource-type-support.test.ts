import { describe, expect, it } from 'vitest';
import { ResourceTypeSupport } from './resource-type-support.ts';

describe('ResourceTypeSupport', () => {
  it('remembers a type not offered for its period, per type, then asks again', () => {
    let nowMs = 1_000;
    const types = new ResourceTypeSupport({ rememberMs: 60_000, nowMs: () => nowMs });
    expect(types.offered('Consent')).toBe(true);
    types.notOffered('Consent', types.epoch('Consent'));
    expect(types.offered('Consent')).toBe(false);
    expect(types.offered('RiskAssessment')).toBe(true);
    nowMs += 59_999;
    expect(types.offered('Consent')).toBe(false);
    nowMs += 1;
    expect(types.offered('Consent')).toBe(true);
  });

  it('forgets at once when a search of the type is answered, or when asked to forget', () => {
    const types = new ResourceTypeSupport({ rememberMs: 60_000, nowMs: () => 0 });
    types.notOffered('Consent', types.epoch('Consent'));
    types.answered('Consent');
    expect(types.offered('Consent')).toBe(true);
    types.notOffered('Consent', types.epoch('Consent'));
    types.notOffered('RiskAssessment', types.epoch('RiskAssessment'));
    types.forget();
    expect([types.offered('Consent'), types.offered('RiskAssessment')]).toEqual([true, true]);
  });

  it('tells its observer once per type, and again only after the type was seen offered', () => {
    let nowMs = 0;
    const told: string[] = [];
    const types = new ResourceTypeSupport({
      rememberMs: 1_000,
      nowMs: () => nowMs,
      onNotOffered: (type) => told.push(type),
    });
    types.notOffered('Consent', types.epoch('Consent'));
    nowMs = 5_000; // the memory lapsed and was renewed: not news
    types.notOffered('Consent', types.epoch('Consent'));
    types.forget();
    types.notOffered('Consent', types.epoch('Consent'));
    expect(told).toEqual(['Consent']);
    types.answered('Consent');
    types.notOffered('Consent', types.epoch('Consent'));
    expect(told).toEqual(['Consent', 'Consent']);
  });

  it('ignores a refusal reported against an older epoch: a late refusal does not outlast a newer answer', () => {
    const types = new ResourceTypeSupport({ rememberMs: 60_000, nowMs: () => 0 });
    const consentSent = types.epoch('Consent');
    const riskSent = types.epoch('RiskAssessment');
    types.answered('Consent'); // another record's Consent search, answered meanwhile
    types.notOffered('Consent', consentSent);
    types.notOffered('RiskAssessment', riskSent); // another type's answer does not make this one stale
    expect([types.offered('Consent'), types.offered('RiskAssessment')]).toEqual([true, false]);
    const beforeForget = types.epoch('RiskAssessment');
    types.forget();
    types.notOffered('RiskAssessment', beforeForget);
    expect(types.offered('RiskAssessment')).toBe(true);
  });
});
