/**
 * Demo-only fault injection for the mocked hospital sources: each source has a mode the demo
 * page can switch at run time, to show how the sidebar answers when a hospital is slow, flaky,
 * down or hung. In-memory and per process; nothing here is part of the BFF.
 *
 * Free of Node and msw imports, so the demo page can use the mode names and labels too.
 */

/** Where the demo's Vite dev server serves the controls (see demo/demo-controls.ts). */
export const DEMO_CONTROLS_PATH = '/__demo/sources';

export const SOURCE_MODES = ['normal', 'slow', 'flaky', 'down', 'hang'] as const;
export type SourceMode = (typeof SOURCE_MODES)[number];

/** `slow` waits this long by default: past the BFF's per-call timeout (4 s default, 3 s in the demo config). */
export const DEFAULT_SLOW_LATENCY_MS = 6_000;

export function isSourceMode(value: unknown): value is SourceMode {
  return typeof value === 'string' && (SOURCE_MODES as readonly string[]).includes(value);
}

/** A short label for the demo page's controls. */
export function sourceModeLabel(mode: SourceMode, slowLatencyMs = DEFAULT_SLOW_LATENCY_MS): string {
  switch (mode) {
    case 'normal':
      return 'Normal';
    case 'slow':
      return `Slow (answers after ${Number((slowLatencyMs / 1000).toFixed(1))} s)`;
    case 'flaky':
      return 'Flaky (about half the calls fail)';
    case 'down':
      return 'Down (every call fails, 503)';
    case 'hang':
      return 'Hang (never answers)';
  }
}

export interface SourceFaultState {
  readonly id: string;
  readonly name: string;
  readonly mode: SourceMode;
}

export interface SourceFaultsOptions {
  /** How long `slow` waits before the source answers. Default {@link DEFAULT_SLOW_LATENCY_MS}. */
  readonly slowLatencyMs?: number;
  /**
   * Seed of the pseudo-random pattern by which `flaky` fails; the pattern restarts each time a
   * source is switched to `flaky`, so the same seed gives the same answers. Default 1.
   */
  readonly flakySeed?: number;
  /** Share of calls `flaky` fails, 0–1. Default 0.5. */
  readonly flakyFailureRate?: number;
}

/** What a source's mode makes of one request: let the mock answer it, or answer 503 instead. */
export type FaultOutcome = 'answer' | 'unavailable';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SourceEntry {
  readonly id: string;
  readonly name: string;
  readonly index: number;
  mode: SourceMode;
  random: () => number;
  /** Requests held by `slow` or `hang`; calling one lets it go on at once. */
  readonly waiting: Set<() => void>;
}

/** The fault mode of each demo source, shared by the msw handlers and the demo control endpoint. */
export class SourceFaults {
  readonly slowLatencyMs: number;
  readonly #flakySeed: number;
  readonly #flakyFailureRate: number;
  readonly #sources = new Map<string, SourceEntry>();

  constructor(sources: readonly { readonly id: string; readonly name: string }[], options: SourceFaultsOptions = {}) {
    this.slowLatencyMs = options.slowLatencyMs ?? DEFAULT_SLOW_LATENCY_MS;
    this.#flakySeed = options.flakySeed ?? 1;
    this.#flakyFailureRate = options.flakyFailureRate ?? 0.5;
    if (!(this.slowLatencyMs >= 0)) throw new RangeError('slowLatencyMs must be 0 or more');
    if (!(this.#flakyFailureRate >= 0 && this.#flakyFailureRate <= 1))
      throw new RangeError('flakyFailureRate must be 0–1');
    sources.forEach(({ id, name }, index) => {
      this.#sources.set(id, { id, name, index, mode: 'normal', random: this.#random(index), waiting: new Set() });
    });
  }

  has(id: string): boolean {
    return this.#sources.has(id);
  }

  /** Every source with its current mode, in the order given to the constructor. */
  list(): SourceFaultState[] {
    return [...this.#sources.values()].map(({ id, name, mode }) => ({ id, name, mode }));
  }

  mode(id: string): SourceMode | undefined {
    return this.#sources.get(id)?.mode;
  }

  /** Switches a source's mode. Requests it holds (slow or hung) are let go and answered 503. */
  setMode(id: string, mode: SourceMode): SourceFaultState {
    const entry = this.#sources.get(id);
    if (!entry) throw new RangeError(`unknown source ${JSON.stringify(id)}`);
    if (!isSourceMode(mode)) throw new RangeError(`unknown mode ${JSON.stringify(mode)}`);
    entry.mode = mode;
    if (mode === 'flaky') entry.random = this.#random(entry.index);
    this.#release(entry);
    return { id, name: entry.name, mode };
  }

  /** Puts every source back to `normal`. */
  reset(): void {
    for (const id of this.#sources.keys()) this.setMode(id, 'normal');
  }

  /** How many requests are being held by `slow` or `hang` right now. */
  get waiting(): number {
    let n = 0;
    for (const entry of this.#sources.values()) n += entry.waiting.size;
    return n;
  }

  /** Lets every held request go at once (answered 503), e.g. when the demo stops. */
  releaseAll(): void {
    for (const entry of this.#sources.values()) this.#release(entry);
  }

  /**
   * Applies the source's current mode to one request. `slow` waits, then lets it be answered;
   * `hang` waits until the client gives up (`signal`), the mode changes or {@link releaseAll}.
   * A request let go early is answered 503, though nobody is usually listening by then.
   */
  async apply(id: string, signal?: AbortSignal): Promise<FaultOutcome> {
    const entry = this.#sources.get(id);
    if (!entry) return 'answer';
    switch (entry.mode) {
      case 'normal':
        return 'answer';
      case 'slow':
        return (await this.#hold(entry, this.slowLatencyMs, signal)) ? 'answer' : 'unavailable';
      case 'flaky':
        return entry.random() < this.#flakyFailureRate ? 'unavailable' : 'answer';
      case 'down':
        return 'unavailable';
      case 'hang':
        await this.#hold(entry, undefined, signal);
        return 'unavailable';
    }
  }

  #random(index: number): () => number {
    return seededRandom(this.#flakySeed + Math.imul(index, 0x9e3779b9));
  }

  #release(entry: SourceEntry): void {
    for (const letGo of [...entry.waiting]) letGo();
  }

  /** Resolves true after `ms` (never when undefined), or false as soon as it is let go or `signal` aborts. */
  #hold(entry: SourceEntry, ms: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const finish = (elapsed: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        entry.waiting.delete(letGo);
        resolve(elapsed);
      };
      const letGo = (): void => finish(false);
      const onAbort = (): void => finish(false);
      const timer = ms === undefined ? undefined : setTimeout(() => finish(true), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.waiting.add(letGo);
    });
  }
}
