import type { SourceAnswer, SummaryView } from '@care-sidebar/shared';
import { LRUCache } from 'lru-cache';

const UTF8 = new TextEncoder();

export interface ViewMemoOptions {
  /**
   * How long a built view may be reused, by the request's clock. The view depends on `now` (which
   * flags are current, the AKI warning's recency, the results window), so reuse is kept brief.
   */
  readonly validityMs: number;
  /** Most serialised bytes held. */
  readonly maxBytes: number;
  /** Most patients held. */
  readonly maxEntries: number;
}

/** A built summary and its JSON (UTF-8), as sent. */
export interface MemoView {
  readonly view: SummaryView;
  readonly json: Uint8Array<ArrayBuffer>;
  /** The `now` it was built with (its `generatedAt`). */
  readonly builtAt: number;
}

interface Entry extends MemoView {
  readonly nhsNumber: string;
  readonly answers: readonly SourceAnswer[];
}

/** Same source, same outcome, same retrieval time and the very same record object (an unchanged cache entry). */
function sameAnswers(a: readonly SourceAnswer[], b: readonly SourceAnswer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as SourceAnswer;
    const y = b[i] as SourceAnswer;
    if (x.source.id !== y.source.id || x.source.name !== y.source.name || x.status !== y.status) return false;
    if ('fetchedAt' in x && (!('fetchedAt' in y) || x.fetchedAt !== y.fetchedAt)) return false;
    if (x.status === 'ok' && (y.status !== 'ok' || x.record !== y.record)) return false;
  }
  return true;
}

/**
 * The last summary built for each patient, reused while every source answer is the same unchanged
 * cache entry it was built from (compared by identity: a refresh, a new fetch or an expired entry
 * gives a new record object) and it is younger than `validityMs`. Keyed by NHS number, and the
 * entry's own NHS number and banner are checked again on the way out, so it can only ever return
 * the view of the patient asked for. Building is pure given the answers, `now` and the app's fixed
 * sensitive-code policy and results window, so nothing else can make the views differ.
 */
export class ViewMemo {
  readonly #options: ViewMemoOptions;
  readonly #entries: LRUCache<string, Entry> | undefined;

  constructor(options: ViewMemoOptions) {
    this.#options = options;
    if (options.validityMs <= 0 || options.maxBytes <= 0 || options.maxEntries <= 0) return;
    this.#entries = new LRUCache<string, Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // The JSON bytes, plus the view object, roughly twice as large again.
      sizeCalculation: (entry) => Math.max(1, entry.json.byteLength * 3),
      // Frees memory; whether an entry may still be used is decided by the request's clock below.
      ttl: options.validityMs,
      ttlAutopurge: false,
    });
  }

  /** The view built from these very answers for this patient, if still fresh at `now`. */
  get(nhsNumber: string, answers: readonly SourceAnswer[], now: Date): MemoView | undefined {
    const entry = this.#entries?.get(nhsNumber);
    if (!entry) return undefined;
    const age = now.getTime() - entry.builtAt;
    if (age < 0 || age >= this.#options.validityMs) return undefined;
    if (entry.nhsNumber !== nhsNumber || entry.view.patient.nhsNumber !== nhsNumber) return undefined;
    if (!sameAnswers(entry.answers, answers)) return undefined;
    return entry;
  }

  /** Remembers the view built from `answers` at `now`; returns it with its JSON. */
  set(nhsNumber: string, answers: readonly SourceAnswer[], now: Date, view: SummaryView): MemoView {
    const json = UTF8.encode(JSON.stringify(view));
    const built: Entry = { nhsNumber, answers, view, json, builtAt: now.getTime() };
    if (view.patient.nhsNumber === nhsNumber) this.#entries?.set(nhsNumber, built);
    return built;
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }
}
