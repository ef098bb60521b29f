/** How long a source stays on two rounds after its chained search could not be trusted. */
export const CHAIN_DISTRUST_MS = 60 * 60 * 1000;

/**
 * One source's memory of whether chained searches (`patient.identifier=…`,
 * https://hl7.org/fhir/R4/search.html#chaining) can be trusted. After a refusal or an answer
 * about someone else, the source is asked the two-round way until the period has passed; then
 * chaining is tried again.
 */
export class ChainedSearchSupport {
  readonly #nowMs: () => number;
  readonly #distrustMs: number;
  #distrustedUntilMs = Number.NEGATIVE_INFINITY;

  constructor(nowMs: () => number = () => performance.now(), distrustMs = CHAIN_DISTRUST_MS) {
    this.#nowMs = nowMs;
    this.#distrustMs = distrustMs;
  }

  /** Whether to send the data searches chained, alongside the Patient search. */
  trusted(): boolean {
    return this.#nowMs() >= this.#distrustedUntilMs;
  }

  /** A chained search had to be asked again by patient id. */
  distrust(): void {
    this.#distrustedUntilMs = this.#nowMs() + this.#distrustMs;
  }
}
