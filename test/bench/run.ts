/**
 * `npm run bench [-- --quick] [-- --soak] [-- --only <id>,<id>]`: the benchmark suite.
 * `npm run bench -- --compare <earlier.json> [<later.json>]`: two runs side by side (./compare.ts).
 *
 * Runs each scenario below on 127.0.0.1 only, prints every figure beside its target, and writes
 * the same as JSON to bench/results/<time>-<mode>.json (git-ignored) so runs can be compared.
 * Targets are reported, never asserted: the exit status is 0 whether figures pass or fall short,
 * and 1 only when a scenario could not run (it threw). A full run takes a few minutes on 2 cores,
 * `--quick` about one; `--soak` adds the 10-minute soak (2 minutes with `--quick`).
 *
 * A scenario is a module exporting (see ./scenario.ts):
 *
 *   export async function run(options: { quick: boolean }): Promise<{ figures: Figure[] }>
 *   // Figure: { scenario, figure, value: number | null, unit, target, verdict, detail? },
 *   // verdict: 'pass' | 'fall-short' | 'report' | 'not-measured'
 *
 * The audit-throughput line comes from ./audit-throughput.ts, owned with the audit store: it is
 * imported only if the file exists; without it the line reads "not measured (module missing)".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { compareTable, parseReport } from './compare.ts';
import type { Figure, ScenarioResult, ScenarioRun, Verdict } from './scenario.ts';
import { closeClientSockets } from './support/bench-bff.ts';
import { formatNumber, textTable } from './support/text-table.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const WIDGET_BUNDLE = fileURLToPath(new URL('../../packages/widget/dist/care-sidebar.js', import.meta.url));

interface ScenarioEntry {
  readonly id: string;
  /** The lines it reports, printed as not measured when it is missing or fails. */
  readonly lines: readonly Pick<Figure, 'scenario' | 'figure' | 'target'>[];
  readonly load: () => Promise<ScenarioRun | string>;
  readonly soakOnly?: boolean;
}

/** A module's `run`, or why there is none. */
async function moduleRun(file: string): Promise<ScenarioRun | string> {
  const url = new URL(file, import.meta.url);
  if (!existsSync(url)) return 'module missing';
  const mod = (await import(url.href)) as { run?: unknown };
  return typeof mod.run === 'function' ? (mod.run as ScenarioRun) : `test/bench/${file.slice(2)} exports no run()`;
}

const SCENARIOS: readonly ScenarioEntry[] = [
  {
    id: 'cache-hit',
    lines: [
      { scenario: 'cache-hit summary, audited, durable', figure: 'requests/s BFF ÷ bare node:http', target: '≥ 0.5' },
    ],
    load: () => moduleRun('./cache-hit.ts'),
  },
  {
    id: 'upstream-latency',
    lines: [
      {
        scenario: 'upstream latency pass-through',
        figure: 'BFF latency − slowest upstream delay, p50',
        target: '≤ 2 ms',
      },
      {
        scenario: 'upstream latency pass-through',
        figure: 'BFF latency − slowest upstream delay, p99',
        target: '≤ 10 ms',
      },
    ],
    load: () => moduleRun('./upstream-latency.ts'),
  },
  {
    id: 'audit-throughput',
    lines: [
      {
        scenario: 'audit throughput, durable',
        figure: 'audited views/s with group commit, SQLite and PostgreSQL; records = responses',
        target: '≥ 20,000/s SQLite, ≥ 10,000/s PostgreSQL, 0 lost',
      },
    ],
    load: () => moduleRun('./audit-throughput.ts'),
  },
  {
    id: 'large-record',
    lines: [
      { scenario: 'large record, cold', figure: 'summary latency, 600 results', target: 'report' },
      { scenario: 'large record, cold', figure: 'BFF peak RSS', target: 'report' },
    ],
    load: () => moduleRun('./large-record.ts'),
  },
  {
    id: 'flaky-source',
    lines: [
      { scenario: 'flaky source', figure: 'summary latency p99', target: '≤ the summary deadline' },
      { scenario: 'flaky source', figure: "summaries missing the healthy source's data", target: '0' },
    ],
    load: () => moduleRun('./flaky-source.ts'),
  },
  {
    id: 'widget',
    lines: [
      { scenario: 'widget size', figure: 'served /widget/care-sidebar.js, gzipped', target: '≤ 25 KB' },
      { scenario: 'widget first paint', figure: 'launch set → first result painted, p50 of 20', target: '≤ 150 ms' },
      { scenario: 'widget with 600 results', figure: 'longest main-thread task', target: '≤ 50 ms' },
    ],
    load: async () => {
      if (!existsSync(WIDGET_BUNDLE)) {
        process.stderr.write('  the widget bundle is not built: npm run build:widget\n');
        const build = spawnSync('npm', ['run', 'build:widget'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
        if (build.status !== 0) throw new Error('npm run build:widget failed');
      }
      return moduleRun('./widget.ts');
    },
  },
  {
    id: 'soak',
    soakOnly: true,
    lines: [
      { scenario: 'soak', figure: 'RSS growth after warm-up', target: 'flat: no growth after warm-up' },
      { scenario: 'soak', figure: 'cache bytes growth after warm-up', target: 'flat: no growth after warm-up' },
    ],
    load: () => moduleRun('./soak.ts'),
  },
];

const VERDICTS: ReadonlySet<string> = new Set<Verdict>(['pass', 'fall-short', 'report', 'not-measured']);

function isFigure(x: unknown): x is Figure {
  if (typeof x !== 'object' || x === null) return false;
  const f = x as Record<string, unknown>;
  return (
    typeof f['scenario'] === 'string' &&
    typeof f['figure'] === 'string' &&
    typeof f['unit'] === 'string' &&
    typeof f['target'] === 'string' &&
    (f['value'] === null || typeof f['value'] === 'number') &&
    typeof f['verdict'] === 'string' &&
    VERDICTS.has(f['verdict'])
  );
}

function notMeasured(entry: ScenarioEntry, reason: string): Figure[] {
  const module = `test/bench/${entry.id}.ts`;
  // The audit store's own standalone script, until it is wrapped as a scenario module.
  const hint =
    reason === 'module missing' &&
    existsSync(new URL('./audit-bench.ts', import.meta.url)) &&
    entry.id === 'audit-throughput'
      ? { hint: 'node test/bench/audit-bench.ts measures this standalone' }
      : {};
  return entry.lines.map((line) => ({
    ...line,
    value: null,
    unit: '',
    verdict: 'not-measured',
    detail: { reason, module, ...hint },
  }));
}

function parseArgs(argv: readonly string[]): { quick: boolean; soak: boolean; only: Set<string> | undefined } {
  const known = new Set(SCENARIOS.map((s) => s.id));
  let only: Set<string> | undefined;
  let quick = false;
  let soak = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--soak') soak = true;
    else if (arg === '--only' && argv[i + 1] !== undefined) {
      only = new Set((argv[++i] as string).split(','));
      for (const id of only) if (!known.has(id)) usage(`unknown scenario "${id}"`);
    } else usage(`unknown argument "${arg}"`);
  }
  return { quick, soak, only };
}

function usage(problem: string): never {
  process.stderr.write(
    `bench: ${problem}\nusage: node test/bench/run.ts [--quick] [--soak] [--only ${SCENARIOS.map((s) => s.id).join(',')}]\n` +
      `       node test/bench/run.ts --compare <earlier.json> [<later.json>]\n`,
  );
  process.exit(64);
}

function formatValue(f: Figure): string {
  if (f.value === null) {
    const reason = f.detail?.['reason'];
    return typeof reason === 'string' ? `not measured (${reason})` : 'not measured';
  }
  return formatNumber(f.value, f.unit);
}

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  pass: 'pass',
  'fall-short': 'FALLS SHORT',
  report: 'reported',
  'not-measured': '–',
};

function table(figures: readonly Figure[]): string {
  return textTable([
    ['scenario', 'figure', 'value', 'target', 'verdict'],
    ...figures.map((f) => [f.scenario, f.figure, formatValue(f), f.target, VERDICT_TEXT[f.verdict]]),
  ]);
}

function gitCommit(): { commit?: string; dirty?: boolean } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  return head.status === 0 ? { commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' } : {};
}

/** `--compare`: prints two runs side by side and exits; no scenario is run. */
function compare(files: readonly string[]): never {
  const [first, second, ...extra] = files;
  if (!first || extra.length > 0) usage('--compare takes one or two result files');
  let later = second;
  if (!later) {
    // The newest other run in bench/results/ (file names start with the run's start time).
    const others = existsSync(RESULTS_DIR)
      ? readdirSync(RESULTS_DIR)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => `${RESULTS_DIR}${f}`)
          .filter((f) => resolve(f) !== resolve(first))
      : [];
    later = others.at(-1);
    if (!later) usage(`no other run in ${RESULTS_DIR} to compare ${first} with`);
  }
  try {
    let pair = [
      { file: first, report: parseReport(readFileSync(first, 'utf8'), first) },
      { file: later, report: parseReport(readFileSync(later, 'utf8'), later) },
    ] as const;
    // With one file given, the earlier of the two runs is shown first.
    if (!second && pair[0].report.startedAt > pair[1].report.startedAt) pair = [pair[1], pair[0]];
    const [before, after] = pair;
    process.stdout.write(`${compareTable(before.report, before.file, after.report, after.file)}\n`);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(64);
  }
  process.exit(0);
}

if (process.argv[2] === '--compare') compare(process.argv.slice(3));
const { quick, soak, only } = parseArgs(process.argv.slice(2));
const mode = `${quick ? 'quick' : 'full'}${soak ? '+soak' : ''}`;
const startedAt = new Date();
// A last resort: every scenario bounds its own loops, so this only fires if one hangs.
const limitMs = (quick ? 180 : 720) * 1_000 + (soak ? (quick ? 180 : 720) * 1_000 : 0);
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: still running after ${limitMs / 1_000} s; giving up\n`);
  process.exit(1);
}, limitMs);
watchdog.unref();

const figures: Figure[] = [];
let couldNotRun = false;
for (const entry of SCENARIOS) {
  if (only && !only.has(entry.id)) continue;
  if (entry.soakOnly && !soak) {
    figures.push(...notMeasured(entry, 'run with --soak'));
    continue;
  }
  const t0 = performance.now();
  process.stderr.write(`▶ ${entry.id}…\n`);
  try {
    const runScenario = await entry.load();
    if (typeof runScenario === 'string') {
      figures.push(...notMeasured(entry, runScenario));
      process.stderr.write(`  not measured: ${runScenario}\n`);
      continue;
    }
    const result: ScenarioResult = await runScenario({ quick });
    const valid = Array.isArray(result?.figures) ? result.figures.filter(isFigure) : [];
    if (valid.length === 0) figures.push(...notMeasured(entry, 'the module returned no well-formed figures'));
    else figures.push(...valid);
  } catch (err) {
    couldNotRun = true;
    const reason = `could not run: ${(err as Error).message.split('\n')[0] ?? ''}`;
    figures.push(...notMeasured(entry, reason));
    process.stderr.write(`  ${reason}\n${(err as Error).stack ?? ''}\n`);
  } finally {
    closeClientSockets();
    process.stderr.write(`  ${entry.id}: ${Math.round((performance.now() - t0) / 1_000)} s\n`);
  }
}

const machine = {
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGB: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
const finishedAt = new Date();
const report = {
  mode,
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1_000),
  machine,
  git: gitCommit(),
  figures,
};
mkdirSync(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}${startedAt.toISOString().replace(/[:.]/g, '-')}-${mode}.json`;
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

process.stdout.write(
  `\ncare-sidebar bench (${mode}), ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}, ${report.seconds} s\n\n`,
);
process.stdout.write(`${table(figures)}\n\nJSON: ${file}\n`);
clearTimeout(watchdog);
process.exit(couldNotRun ? 1 : 0);
