import { TimedRefusals } from './timed-refusals.ts';

export interface ResourceTypeSupportOptions {
  /**
   * How long the source's word that it has no such type is taken: the cache TTL, the bound already
   * set on how long a cached record's consents are believed (HAZ-007). A record built in that time
   * is itself cached for up to the TTL, so a source that starts offering Consent has it read within
   * twice the TTL.
   */
  readonly rememberMs: number;
  /** Monotonic by default: a wall clock stepped back must not stretch a safety-relevant period. */
  readonly nowMs?: () => number;
  /**
   * Told when the source is first found not to offer a type, and again only after it has been seen
   * offering it: news for the operators' log, not a line each time the memory is renewed.
   */
  readonly onNotOffered?: (resourceType: string, rememberMs: number) => void;
}

/**
 * One source's memory of the resource types it does not offer at all (of those a source may lack:
 * Consent, RiskAssessment), for its chained searches. A server without Consent refuses a chained
 * Consent search just as one that cannot chain does; only the same search by patient id, refused
 * too, tells the two apart, and that costs the view a second round. Remembered, the type is left
 * out of the source's chained searches until the period has passed, so they stay one round.
 * (Searches by patient id always ask: there the type's search costs no extra round.)
 */
export class ResourceTypeSupport {
  readonly #refusals: TimedRefusals<string, undefined>;
  readonly #told = new Set<string>();
  /** Searches of each type answered, and memories forgotten: what makes a late refusal stale. */
  readonly #answers = new Map<string, number>();
  #forgotten = 0;

  constructor({ rememberMs, nowMs = () => performance.now(), onNotOffered }: ResourceTypeSupportOptions) {
    this.#refusals = new TimedRefusals(nowMs, rememberMs, (type) => {
      if (this.#told.has(type)) return;
      this.#told.add(type);
      onNotOffered?.(type, rememberMs);
    });
  }

  /** Whether to send `resourceType`'s chained search (false while the source is remembered not to offer it). */
  offered(resourceType: string): boolean {
    return !this.#refusals.has(resourceType);
  }

  /** Taken when a record's searches are sent; a refusal reported with an older one is stale. */
  epoch(resourceType: string): string {
    return `${this.#forgotten}/${this.#answers.get(resourceType) ?? 0}`;
  }

  /**
   * The source answered that it has no `resourceType`, chained and by patient id alike, to searches
   * sent at `epoch`. Ignored if since then a search of that type was answered or the memory
   * forgotten: a refusal arriving late must not outlast a newer answer.
   */
  notOffered(resourceType: string, epoch: string): void {
    if (epoch !== this.epoch(resourceType)) return;
    this.#refusals.add(resourceType, undefined);
  }

  /** A search of `resourceType` was answered: the source offers it, whatever was remembered. */
  answered(resourceType: string): void {
    this.#answers.set(resourceType, (this.#answers.get(resourceType) ?? 0) + 1);
    this.#refusals.delete(resourceType);
    this.#told.delete(resourceType);
  }

  /** Forgets what was remembered (a user asked for fresh data): every type is asked again. */
  forget(): void {
    this.#forgotten++;
    this.#refusals.clear();
  }
}
