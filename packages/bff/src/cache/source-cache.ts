import { LRUCache } from 'lru-cache';
import type { Metrics } from '../metrics/metrics.ts';
import type { SourceFetchResult } from '../upstream/fetch-source-record.ts';

/** One source's answer for one patient, with the upstream retrieval time (not the cache-read time). */
export interface CachedAnswer {
  readonly sourceId: string;
  readonly nhsNumber: string;
  readonly fetchedAt: Date;
  readonly result: SourceFetchResult;
}

export interface SourceCacheOptions {
  readonly ttlSeconds: number;
  readonly maxBytes: number;
}

type Loader = (signal: AbortSignal) => Promise<CachedAnswer>;

/**
 * Brief cache of upstream answers, keyed by source and patient and nothing else, so a session can
 * only ever read the patient its own key names. Concurrent misses for one key share one upstream
 * fetch (lru-cache coalesces). Failures are never cached.
 *
 * lru-cache lets the *first* caller's signal and context govern a shared fetch, so no per-request
 * signal or context is passed in: the loader is closed over by key-derived values only.
 */
export class SourceCache {
  readonly #cache: LRUCache<string, CachedAnswer, Loader> | undefined;
  readonly #metrics: Metrics | undefined;

  constructor(options: SourceCacheOptions, metrics?: Metrics) {
    this.#metrics = metrics;
    // ttl 0 would mean "never expires" to lru-cache; here it means "do not cache".
    if (options.ttlSeconds <= 0 || options.maxBytes <= 0) return;
    this.#cache = new LRUCache<string, CachedAnswer, Loader>({
      ttl: options.ttlSeconds * 1000,
      maxSize: options.maxBytes,
      sizeCalculation: (value) => Math.max(1, value.result.bytes),
      fetchMethod: (_key, _stale, { signal, context }) => context(signal),
    });
  }

  static key(sourceId: string, nhsNumber: string): string {
    return `${sourceId}\u0000${nhsNumber}`;
  }

  async get(sourceId: string, nhsNumber: string, load: Loader): Promise<CachedAnswer> {
    let answer: CachedAnswer | undefined;
    if (this.#cache) {
      const key = SourceCache.key(sourceId, nhsNumber);
      // A fresh entry is read at once, without fetch()'s promise machinery (the common case, and
      // the one every view of a busy patient takes); a fetch in flight or a miss goes through fetch().
      answer = this.#cache.get(key);
      if (answer) {
        this.#metrics?.cacheLookup('hit');
      } else {
        // lru-cache sets `status.fetch` before its first await: hit, miss, inflight, stale or refresh.
        const status: LRUCache.Status<string, CachedAnswer, Loader> = {};
        const pending = this.#cache.fetch(key, { context: load, status });
        this.#metrics?.cacheLookup(status.fetch === 'hit' || status.fetch === 'inflight' ? status.fetch : 'miss');
        answer = await pending;
      }
    } else {
      this.#metrics?.cacheLookup('miss');
      answer = await load(new AbortController().signal);
    }
    // Defence in depth: an entry for any other patient or source is never returned.
    if (!answer || answer.nhsNumber !== nhsNumber || answer.sourceId !== sourceId) {
      throw new Error('source cache returned an answer for a different key');
    }
    return answer;
  }

  /** Forgets a patient's cached answers at every source, so the next read goes upstream. */
  forgetPatient(sourceIds: readonly string[], nhsNumber: string): void {
    for (const id of sourceIds) this.#cache?.delete(SourceCache.key(id, nhsNumber));
  }

  get sizeBytes(): number {
    return this.#cache?.calculatedSize ?? 0;
  }

  clear(): void {
    this.#cache?.clear();
  }
}
