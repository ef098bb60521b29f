import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortScope } from './abort-scope.ts';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AbortScope', () => {
  it('aborts with a parent, carrying the parent’s reason', () => {
    const parent = new AbortController();
    const scope = new AbortScope([parent.signal, undefined]);
    const reason = new Error('parent gave up');
    parent.abort(reason);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe(reason);
  });

  it('starts aborted when a parent already is', () => {
    const parent = new AbortController();
    parent.abort('gone');
    expect(new AbortScope([parent.signal], 1_000).signal.reason).toBe('gone');
  });

  it('aborts with a TimeoutError when its limit passes', async () => {
    const scope = new AbortScope([], 5);
    await wait(30);
    expect(scope.signal.aborted).toBe(true);
    expect((scope.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('once released, neither its limit nor its parents reach it, and the parents hold no listener of it', async () => {
    const parent = new AbortController();
    const scope = new AbortScope([parent.signal], 5);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    scope.release();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    await wait(30);
    parent.abort();
    expect(scope.signal.aborted).toBe(false);
  });
});
