import { TimedRefusals } from './timed-refusals.ts';

/** How long a source stays on two rounds after its chained search could not be trusted. */
export const CHAIN_DISTRUST_MS = 60 * 60 * 1000;

/** Why a chained answer was not used: the server refused the chain, or answered about someone else. */
export type ChainDistrustReason = 'refused' | 'foreign-entries';

export interface ChainedSearchSupportOptions {
  readonly nowMs?: () => number;
  readonly distrustMs?: number;
  /** Told once each time the source goes from trusted to distrusted, so operators see it fall back to two rounds. */
  readonly onDistrust?: (reason: ChainDistrustReason, distrustMs: number) => void;
}

/**
 * One source's memory of whether chained searches (`patient.identifier=…`,
 * https://hl7.org/fhir/R4/search.html#chaining) can be trusted. After a refusal or an answer
 * about someone else, the source is asked the two-round way until the period has passed; then
 * chaining is tried again.
 */
export class ChainedSearchSupport {
  readonly #refusals: TimedRefusals<'chained search', ChainDistrustReason>;

  constructor({
    nowMs = () => performance.now(),
    distrustMs = CHAIN_DISTRUST_MS,
    onDistrust,
  }: ChainedSearchSupportOptions = {}) {
    this.#refusals = new TimedRefusals(nowMs, distrustMs, onDistrust && ((_, reason, ms) => onDistrust(reason, ms)));
  }

  /** Whether to send the data searches chained, alongside the Patient search. */
  trusted(): boolean {
    return !this.#refusals.has('chained search');
  }

  /** A chained search had to be asked again by patient id. */
  distrust(reason: ChainDistrustReason): void {
    this.#refusals.add('chained search', reason);
  }
}
