/**
 * A signal that aborts when any of its parents does, or when its time limit passes: what
 * `AbortSignal.any([...parents, AbortSignal.timeout(ms)])` gives, except that it is let go of as
 * soon as the work it guards is over. `release()` clears the timer and unhooks the parents.
 *
 * Why not the built-ins: `AbortSignal.timeout`'s timer cannot be cleared, so every upstream call's
 * signal, and all it reaches, stays alive for the whole time limit (seconds) and then fires for
 * nothing; `AbortSignal.any` links each call into its parents until they are collected. Under load
 * that kept enough garbage alive to be promoted to the old generation, and its collection paused
 * the event loop for tens of milliseconds: the tail of the summary's latency.
 */
export class AbortScope {
  readonly #controller = new AbortController();
  readonly #parents: AbortSignal[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #onParentAbort = (event: Event): void => {
    this.#abort((event.target as AbortSignal).reason);
  };

  constructor(parents: readonly (AbortSignal | undefined)[], timeoutMs?: number) {
    for (const parent of parents) {
      if (!parent) continue;
      if (parent.aborted) {
        this.#controller.abort(parent.reason);
        return;
      }
      parent.addEventListener('abort', this.#onParentAbort, { once: true });
      this.#parents.push(parent);
    }
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(
        () => this.#abort(new DOMException('The operation timed out.', 'TimeoutError')),
        timeoutMs,
      );
      // Like AbortSignal.timeout: a pending limit alone does not keep the process running.
      this.#timer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Done with the work: the timer is cleared and the parents no longer reach this scope. */
  release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const parent of this.#parents) parent.removeEventListener('abort', this.#onParentAbort);
    this.#parents.length = 0;
  }

  #abort(reason: unknown): void {
    this.release();
    this.#controller.abort(reason);
  }
}
