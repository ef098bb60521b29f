/**
 * A per-source circuit breaker (the Hystrix/Envoy outlier model): it opens when at least half of
 * the last `windowSize` calls failed (and at least `windowSize` calls were seen), fails fast while
 * open, lets one probe through after `openMs`, and closes when the probe succeeds.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  readonly windowSize?: number;
  readonly failureRatio?: number;
  readonly openMs?: number;
  readonly clock?: () => number;
}

export class CircuitBreaker {
  readonly #windowSize: number;
  readonly #failureRatio: number;
  readonly #openMs: number;
  readonly #clock: () => number;
  #outcomes: boolean[] = []; // true = failure, newest last
  #openedAt: number | undefined;
  #probeInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#windowSize = options.windowSize ?? 20;
    this.#failureRatio = options.failureRatio ?? 0.5;
    this.#openMs = options.openMs ?? 5_000;
    this.#clock = options.clock ?? (() => performance.now());
  }

  get state(): BreakerState {
    if (this.#openedAt === undefined) return 'closed';
    return this.#clock() - this.#openedAt >= this.#openMs ? 'half-open' : 'open';
  }

  /** Whether a call may go ahead now; in half-open, only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probeInFlight) return false;
    this.#probeInFlight = true;
    return true;
  }

  record(failed: boolean): void {
    if (this.#openedAt !== undefined) {
      this.#probeInFlight = false;
      if (failed) {
        this.#openedAt = this.#clock(); // the probe failed: stay open for another period
      } else {
        this.#openedAt = undefined;
        this.#outcomes = [];
      }
      return;
    }
    this.#outcomes.push(failed);
    if (this.#outcomes.length > this.#windowSize) this.#outcomes.shift();
    const failures = this.#outcomes.filter(Boolean).length;
    if (this.#outcomes.length >= this.#windowSize && failures >= this.#failureRatio * this.#outcomes.length) {
      this.#openedAt = this.#clock();
    }
  }

  /**
   * A call let through ended with no answer either way (its caller cancelled it): nothing is
   * recorded, and in half-open the probe slot is free again for the next call.
   */
  abandon(): void {
    this.#probeInFlight = false;
  }
}

/**
 * Limits retries to about `ratio` of a source's recent calls, so a struggling source is not hit
 * twice as hard (the SRE book's per-client retry budget). At least one retry is always allowed
 * in a quiet window.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #window: number;
  #calls: boolean[] = []; // true = a retry, newest last

  constructor(ratio = 0.1, window = 100) {
    this.#ratio = ratio;
    this.#window = window;
  }

  recordCall(isRetry: boolean): void {
    this.#calls.push(isRetry);
    if (this.#calls.length > this.#window) this.#calls.shift();
  }

  canRetry(): boolean {
    const retries = this.#calls.filter(Boolean).length;
    return retries < Math.max(1, this.#ratio * this.#calls.length);
  }
}
