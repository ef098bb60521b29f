import { describe, expect, it } from 'vitest';
import { CircuitBreaker, RetryBudget } from './circuit-breaker.ts';

function breaker() {
  const clock = { now: 0 };
  return { clock, b: new CircuitBreaker({ windowSize: 20, openMs: 5_000, clock: () => clock.now }) };
}

describe('CircuitBreaker', () => {
  it('stays closed until at least 20 calls were seen, however many failed', () => {
    const { b } = breaker();
    for (let i = 0; i < 19; i++) b.record(true);
    expect(b.state).toBe('closed');
    b.record(true);
    expect(b.state).toBe('open');
  });

  it('opens at half failures of the last 20, not below', () => {
    const { b } = breaker();
    for (let i = 0; i < 11; i++) b.record(false);
    for (let i = 0; i < 9; i++) b.record(true);
    expect(b.state).toBe('closed');
    b.record(true); // window now: 10 ok, 10 failed
    expect(b.state).toBe('open');
  });

  it('fails fast while open, lets one probe through after the open period, closes on success', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 20; i++) b.record(true);
    expect(b.allow()).toBe(false);
    clock.now = 4_999;
    expect(b.allow()).toBe(false);
    clock.now = 5_000;
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // one probe at a time
    b.record(false);
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  it('a probe abandoned by its caller records nothing and frees the slot for the next probe', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 20; i++) b.record(true);
    clock.now = 5_000;
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.abandon();
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
  });

  it('re-opens for another period when the probe fails', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 20; i++) b.record(true);
    clock.now = 5_000;
    expect(b.allow()).toBe(true);
    b.record(true);
    expect(b.state).toBe('open');
    clock.now = 9_999;
    expect(b.allow()).toBe(false);
    clock.now = 10_000;
    expect(b.allow()).toBe(true);
  });
});

describe('RetryBudget', () => {
  it('allows one retry in a quiet window, then about 10% of calls', () => {
    const budget = new RetryBudget(0.1, 100);
    expect(budget.canRetry()).toBe(true);
    budget.recordCall(true);
    expect(budget.canRetry()).toBe(false);
    for (let i = 0; i < 19; i++) budget.recordCall(false);
    expect(budget.canRetry()).toBe(true); // 1 retry in 20 calls < 2
    budget.recordCall(true);
    budget.recordCall(true);
    expect(budget.canRetry()).toBe(false); // 3 retries in 22 calls > 10%
  });
});
