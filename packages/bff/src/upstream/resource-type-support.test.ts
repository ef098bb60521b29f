import { describe, expect, it } from 'vitest';
import { ResourceTypeSupport } from './resource-type-support.ts';

describe('ResourceTypeSupport', () => {
  it('remembers a type not offered for its period, per type, then asks again', () => {
    let nowMs = 1_000;
    const types = new ResourceTypeSupport({ rememberMs: 60_000, nowMs: () => nowMs });
    expect(types.offered('Consent')).toBe(true);
    types.notOffered('Consent');
    expect(types.offered('Consent')).toBe(false);
    expect(types.offered('RiskAssessment')).toBe(true);
    nowMs += 59_999;
    expect(types.offered('Consent')).toBe(false);
    nowMs += 1;
    expect(types.offered('Consent')).toBe(true);
  });

  it('forgets at once when a search of the type is answered, or when asked to forget', () => {
    const types = new ResourceTypeSupport({ rememberMs: 60_000, nowMs: () => 0 });
    types.notOffered('Consent');
    types.answered('Consent');
    expect(types.offered('Consent')).toBe(true);
    types.notOffered('Consent');
    types.notOffered('RiskAssessment');
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
    types.notOffered('Consent');
    nowMs = 5_000; // the memory lapsed and was renewed: not news
    types.notOffered('Consent');
    types.forget();
    types.notOffered('Consent');
    expect(told).toEqual(['Consent']);
    types.answered('Consent');
    types.notOffered('Consent');
    expect(told).toEqual(['Consent', 'Consent']);
  });
});
