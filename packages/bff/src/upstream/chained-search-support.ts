/** How long a source stays on two rounds after its chained search could not be trusted. */
export const CHAIN_DISTRUST_MS = 60 * 60 * 1000;

/** Why a chained answer was not used: the server refused the chain, or answered about someone else. */
export type ChainDistrustReason = 'refused' | 'foreign-entries';

export interface ChainedSearchSupportOptions {
  readonly nowMs?: () => number;
  readonly distrustMs?: number;
  /**
   * Told once each time the source goes from trusted to distrusted (not for every search of the
   * same view that finds the same thing), so operators can see a source fall back to two rounds.
   */
  readonly onDistrust?: (reason: ChainDistrustReason, distrustMs: number) => void;
}

/**
 * One source's memory of whether chained searches (`patient.identifier=…`,
 * https://hl7.org/fhir/R4/search.html#chaining) can be trusted. After a refusal or an answer
 * about someone else, the source is asked the two-round way until the period has passed; then
 * chaining is tried again.
 */
export class ChainedSearchSupport {
  readonly #nowMs: () => number;
  readonly #distrustMs: number;
  readonly #onDistrust: ((reason: ChainDistrustReason, distrustMs: number) => void) | undefined;
  #distrustedUntilMs = Number.NEGATIVE_INFINITY;

  constructor(options: ChainedSearchSupportOptions = {}) {
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#distrustMs = options.distrustMs ?? CHAIN_DISTRUST_MS;
    this.#onDistrust = options.onDistrust;
  }

  /** Whether to send the data searches chained, alongside the Patient search. */
  trusted(): boolean {
    return this.#nowMs() >= this.#distrustedUntilMs;
  }

  /** A chained search had to be asked again by patient id. */
  distrust(reason: ChainDistrustReason): void {
    const wasTrusted = this.trusted();
    this.#distrustedUntilMs = this.#nowMs() + this.#distrustMs;
    if (wasTrusted) this.#onDistrust?.(reason, this.#distrustMs);
  }
}
