import { TimedRefusals } from './timed-refusals.ts';

export interface ResourceTypeSupportOptions {
  /**
   * How long the source's word that it has no such type is taken: no longer than a cached record
   * may carry the source's consents (`cache.ttlSeconds`), so a source that starts offering Consent
   * has it read within the bound that already applies to a new objection (HAZ-007).
   */
  readonly rememberMs: number;
  readonly nowMs?: () => number;
  /**
   * Told when the source is first found not to offer a type, and again only after it has been seen
   * offering it: news for the operators' log, not a line each time the memory is renewed.
   */
  readonly onNotOffered?: (resourceType: string, rememberMs: number) => void;
}

/**
 * One source's memory of the resource types it does not offer at all (of those a source may lack:
 * Consent, RiskAssessment). A server without Consent refuses a chained Consent search just as one
 * that cannot chain does; only the same search by patient id, refused too, tells the two apart.
 * Remembered, the type is not searched until the period has passed, so the source's other searches
 * keep going out chained, in one round, instead of every view taking two.
 */
export class ResourceTypeSupport {
  readonly #refusals: TimedRefusals<string, undefined>;
  readonly #told = new Set<string>();

  constructor({ rememberMs, nowMs = () => performance.now(), onNotOffered }: ResourceTypeSupportOptions) {
    this.#refusals = new TimedRefusals(nowMs, rememberMs, (type) => {
      if (this.#told.has(type)) return;
      this.#told.add(type);
      onNotOffered?.(type, rememberMs);
    });
  }

  /** Whether to search `resourceType` (false while the source is remembered not to offer it). */
  offered(resourceType: string): boolean {
    return !this.#refusals.has(resourceType);
  }

  /** The source answered that it has no `resourceType`, chained and by patient id alike. */
  notOffered(resourceType: string): void {
    this.#refusals.add(resourceType, undefined);
  }

  /** A search of `resourceType` was answered: should the source stop offering it again, that is news. */
  answered(resourceType: string): void {
    this.#told.delete(resourceType);
  }
}
