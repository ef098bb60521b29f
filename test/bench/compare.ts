/**
 * `npm run bench -- --compare <earlier.json> [<later.json>]`: two runs' figures side by side, each
 * with its change. Without a second file the earlier one is compared with the newest other run in
 * bench/results/. Figures are matched by scenario and figure without their parentheses and with
 * free-standing numbers blanked, so a `--quick` run ("p50 of 5") still meets a full one ("p50 of
 * 20"), and a line not measured meets the same line measured.
 */
import type { Figure } from './scenario.ts';
import { formatNumber, textTable } from './support/text-table.ts';

/** What a run writes to bench/results/ (run.ts), as far as a comparison reads it. */
export interface BenchReport {
  readonly mode: string;
  readonly startedAt: string;
  readonly machine?: { readonly nproc?: number; readonly cpu?: string; readonly node?: string };
  readonly git?: { readonly commit?: string; readonly dirty?: boolean };
  readonly figures: readonly Figure[];
}

export type Direction = 'better' | 'worse' | 'same' | '';

export interface ComparedFigure {
  readonly scenario: string;
  readonly figure: string;
  readonly unit: string;
  readonly target: string;
  readonly before: number | null;
  readonly after: number | null;
  /** (after − before) ÷ before, in %; null when either side was not measured, or before is 0 and after is not. */
  readonly changePercent: number | null;
  /** Against the target's direction (≤: lower is better, ≥: higher is better); '' when it has none. */
  readonly direction: Direction;
  readonly verdictBefore: Figure['verdict'] | 'absent';
  readonly verdictAfter: Figure['verdict'] | 'absent';
}

/** Changes smaller than this (in %) are called `same`: runs on a shared machine are noisy. */
export const NOISE_PERCENT = 5;

/** A label without its parentheses and with free-standing numbers blanked ("p99" is kept). */
const normalised = (label: string) =>
  label
    .replace(/\s*\([^)]*\)/g, '')
    .replace(/(?<![A-Za-z])\d[\d,.]*/g, '#')
    .trim();

/** Each figure's matching key; a second figure with the same key gets its occurrence number. */
function keyed(figures: readonly Figure[]): [string, Figure][] {
  const seen = new Map<string, number>();
  return figures.map((f) => {
    const base = `${normalised(f.scenario)}\u0000${normalised(f.figure)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return [n === 1 ? base : `${base}\u0000${n}`, f];
  });
}

function better(target: string): 'lower' | 'higher' | undefined {
  if (target.includes('≤') || /^0\b/.test(target.trim())) return 'lower';
  if (target.includes('≥')) return 'higher';
  return undefined;
}

function direction(target: string, changePercent: number | null): Direction {
  const wanted = better(target);
  if (changePercent === null || wanted === undefined) return '';
  if (Math.abs(changePercent) < NOISE_PERCENT) return 'same';
  return changePercent < 0 === (wanted === 'lower') ? 'better' : 'worse';
}

/** Every figure of `after` in its order, then those only `before` has. */
export function compareReports(before: BenchReport, after: BenchReport): ComparedFigure[] {
  const earlier = new Map(keyed(before.figures));
  const rows: ComparedFigure[] = [];
  const row = (b: Figure | undefined, a: Figure | undefined): ComparedFigure => {
    const shown = (a ?? b) as Figure;
    const from = b?.value ?? null;
    const to = a?.value ?? null;
    const changePercent =
      from === null || to === null ? null : from === to ? 0 : from === 0 ? null : ((to - from) / Math.abs(from)) * 100;
    return {
      scenario: shown.scenario,
      figure: shown.figure,
      unit: a?.unit || b?.unit || '',
      target: shown.target,
      before: from,
      after: to,
      changePercent: changePercent === null ? null : Math.round(changePercent * 10) / 10,
      direction: direction(shown.target, changePercent),
      verdictBefore: b?.verdict ?? 'absent',
      verdictAfter: a?.verdict ?? 'absent',
    };
  };
  for (const [k, a] of keyed(after.figures)) {
    rows.push(row(earlier.get(k), a));
    earlier.delete(k);
  }
  for (const b of earlier.values()) rows.push(row(b, undefined));
  return rows;
}

const value = (v: number | null, unit: string) => (v === null ? '–' : formatNumber(v, unit));

const VERDICT: Readonly<Record<ComparedFigure['verdictAfter'], string>> = {
  pass: 'pass',
  'fall-short': 'FALLS SHORT',
  report: 'reported',
  'not-measured': 'not measured',
  absent: 'absent',
};

function runLine(report: BenchReport, file: string): string {
  const commit = report.git?.commit ? `${report.git.commit}${report.git.dirty ? '+changes' : ''}` : 'no commit';
  const machine = report.machine
    ? `${report.machine.nproc ?? '?'} CPUs (${report.machine.cpu ?? '?'}), Node ${report.machine.node ?? '?'}`
    : 'machine unknown';
  return `${file}: ${report.mode}, ${report.startedAt}, ${commit}, ${machine}`;
}

/** The comparison as the table `npm run bench -- --compare` prints. */
export function compareTable(before: BenchReport, beforeFile: string, after: BenchReport, afterFile: string): string {
  const rows = [
    ['scenario', 'figure', 'before', 'after', 'change', 'target', 'verdict'],
    ...compareReports(before, after).map((r) => [
      r.scenario,
      r.figure,
      value(r.before, r.unit),
      value(r.after, r.unit),
      r.changePercent === null
        ? '–'
        : `${r.changePercent > 0 ? '+' : ''}${r.changePercent} %${r.direction ? ` (${r.direction})` : ''}`,
      r.target,
      r.verdictBefore === r.verdictAfter
        ? VERDICT[r.verdictAfter]
        : `${VERDICT[r.verdictBefore]} → ${VERDICT[r.verdictAfter]}`,
    ]),
  ];
  return [
    `before: ${runLine(before, beforeFile)}`,
    `after:  ${runLine(after, afterFile)}`,
    `(changes under ${NOISE_PERCENT} % are called "same": runs on a shared machine are noisy)`,
    '',
    textTable(rows),
  ].join('\n');
}

/** Reads a run's JSON; a file that is not one is refused with its name. */
export function parseReport(text: string, file: string): BenchReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  const r = parsed as Partial<BenchReport> | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.figures) || typeof r.mode !== 'string') {
    throw new Error(`${file} is not a bench result (no mode or figures)`);
  }
  return r as BenchReport;
}
