import { describe, expect, it } from 'vitest';
import { CHAIN_DISTRUST_MS, type ChainDistrustReason, ChainedSearchSupport } from './chained-search-support.ts';

describe('ChainedSearchSupport', () => {
  it('trusts chaining until told otherwise, then not for an hour, then tries again', () => {
    let nowMs = 1_000_000;
    const support = new ChainedSearchSupport({ nowMs: () => nowMs });
    expect(support.trusted()).toBe(true);
    support.distrust('refused');
    expect(support.trusted()).toBe(false);
    nowMs += CHAIN_DISTRUST_MS - 1;
    expect(support.trusted()).toBe(false);
    nowMs += 1;
    expect(support.trusted()).toBe(true);
  });

  it('counts the hour from the latest distrust', () => {
    let nowMs = 0;
    const support = new ChainedSearchSupport({ nowMs: () => nowMs });
    support.distrust('refused');
    nowMs = CHAIN_DISTRUST_MS / 2;
    support.distrust('foreign-entries');
    nowMs = CHAIN_DISTRUST_MS;
    expect(support.trusted()).toBe(false);
  });

  it('tells its observer once per fall from trust, with the reason, not once per search', () => {
    let nowMs = 0;
    const told: [ChainDistrustReason, number][] = [];
    const support = new ChainedSearchSupport({
      nowMs: () => nowMs,
      distrustMs: 1_000,
      onDistrust: (reason, ms) => told.push([reason, ms]),
    });
    support.distrust('foreign-entries');
    support.distrust('foreign-entries'); // a sibling search of the same view
    support.distrust('refused');
    expect(told).toEqual([['foreign-entries', 1_000]]);
    nowMs = 1_000; // trusted again; the next failure is news
    support.distrust('refused');
    expect(told).toEqual([
      ['foreign-entries', 1_000],
      ['refused', 1_000],
    ]);
  });
});
