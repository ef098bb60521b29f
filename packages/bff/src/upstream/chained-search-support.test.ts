import { describe, expect, it } from 'vitest';
import { CHAIN_DISTRUST_MS, ChainedSearchSupport } from './chained-search-support.ts';

describe('ChainedSearchSupport', () => {
  it('trusts chaining until told otherwise, then not for an hour, then tries again', () => {
    let nowMs = 1_000_000;
    const support = new ChainedSearchSupport(() => nowMs);
    expect(support.trusted()).toBe(true);
    support.distrust();
    expect(support.trusted()).toBe(false);
    nowMs += CHAIN_DISTRUST_MS - 1;
    expect(support.trusted()).toBe(false);
    nowMs += 1;
    expect(support.trusted()).toBe(true);
  });

  it('counts the hour from the latest distrust', () => {
    let nowMs = 0;
    const support = new ChainedSearchSupport(() => nowMs);
    support.distrust();
    nowMs = CHAIN_DISTRUST_MS / 2;
    support.distrust();
    nowMs = CHAIN_DISTRUST_MS;
    expect(support.trusted()).toBe(false);
  });
});
