/**
 * What every benchmark scenario module exports, so `run.ts` can run it and print its figures.
 * A scenario module (e.g. `./audit-throughput.ts`) exports:
 *
 *   export async function run(options: ScenarioOptions): Promise<ScenarioResult>
 *
 * It starts what it needs on 127.0.0.1 only, stops all of it before returning (also on error),
 * and bounds its loops in count and time (`quick`: the whole suite in under 2 minutes).
 * Targets are reported, never asserted: a figure that misses its target is `fall-short`, not an error.
 * Throw only when the scenario could not run at all.
 */

/** `pass`/`fall-short` against the target; `report` when the line has no target; `not-measured` with a reason. */
export type Verdict = 'pass' | 'fall-short' | 'report' | 'not-measured';

export interface Figure {
  /** The table's scenario column, e.g. `audit throughput, durable`. */
  readonly scenario: string;
  /** What was measured, e.g. `audited views/s, SQLite (group commit)`. */
  readonly figure: string;
  /** The measured number in `unit`, or null when not measured. */
  readonly value: number | null;
  /** e.g. `ms`, `req/s`, `ratio`, `KB`, `MB`, `count`, `/s`. */
  readonly unit: string;
  /** The target as written in the issue, e.g. `≥ 20,000/s`; `report` when there is none. */
  readonly target: string;
  readonly verdict: Verdict;
  /** Anything that explains the number (rounds, settings, counts); kept in the JSON, not in the table. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface ScenarioOptions {
  /** `--quick`: fewer and shorter rounds (the whole suite in under 2 minutes). */
  readonly quick: boolean;
}

export interface ScenarioResult {
  readonly figures: readonly Figure[];
}

export type ScenarioRun = (options: ScenarioOptions) => Promise<ScenarioResult>;

/** A verdict for `value` against `limit`: `atMost` for latencies and sizes, `atLeast` for rates. */
export function judge(value: number | null, comparison: 'atMost' | 'atLeast', limit: number): Verdict {
  if (value === null || !Number.isFinite(value)) return 'not-measured';
  return (comparison === 'atMost' ? value <= limit : value >= limit) ? 'pass' : 'fall-short';
}
