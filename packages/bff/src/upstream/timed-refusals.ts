/**
 * What a source refused (chained search, a resource type's optional parameters), each remembered
 * for a while and then tried again. The observer is told once each time something goes from
 * accepted to refused, not for every search of the same view that finds the same thing.
 */
export class TimedRefusals<K, R> {
  readonly #nowMs: () => number;
  readonly #forMs: number;
  readonly #onRefused: ((key: K, reason: R, forMs: number) => void) | undefined;
  readonly #refusedUntilMs = new Map<K, number>();

  constructor(nowMs: () => number, forMs: number, onRefused?: (key: K, reason: R, forMs: number) => void) {
    this.#nowMs = nowMs;
    this.#forMs = forMs;
    this.#onRefused = onRefused;
  }

  /** Whether `key` is still remembered as refused; a refusal past its time is forgotten. */
  has(key: K): boolean {
    const until = this.#refusedUntilMs.get(key);
    if (until === undefined) return false;
    if (this.#nowMs() < until) return true;
    this.#refusedUntilMs.delete(key);
    return false;
  }

  /** Forgets that `key` was refused (it has just been accepted). */
  delete(key: K): void {
    this.#refusedUntilMs.delete(key);
  }

  /** Forgets every refusal. */
  clear(): void {
    this.#refusedUntilMs.clear();
  }

  /** `key` was refused (again): remembered from now for the period. */
  add(key: K, reason: R): void {
    const wasAccepted = !this.has(key);
    this.#refusedUntilMs.set(key, this.#nowMs() + this.#forMs);
    if (wasAccepted) this.#onRefused?.(key, reason, this.#forMs);
  }
}
