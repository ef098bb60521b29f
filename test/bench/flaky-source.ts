/**
 * Flaky source: one hospital fails 10 % of its calls, each failure a 2 s stall and then a 503
 * (a seeded pattern, the same every run); the other hospital is healthy. Cache off, 8 viewers at
 * once. Figures: the summary p99 against the configured summary deadline, and how many summaries
 * lacked the healthy hospital's data (its section outcome not `ok`, or none of its results shown).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { calderbrookResources, fellmoorResources, HOSPITAL, MARIGOLD } from '../e2e/support/synthetic-hospitals.ts';
import { judge, type ScenarioOptions, type ScenarioResult } from './scenario.ts';
import { createBenchIssuer, openSession, startBenchBff, summary } from './support/bench-bff.ts';
import { startFaultyFhirServer } from './support/faulty-fhir-server.ts';
import { percentile, round, seededRandom } from './support/stats.ts';

const SCENARIO = 'flaky source';
const FAILURE_RATE = 0.1;
const STALL_MS = 2_000;
const VIEWERS = 8;

interface SectionJson {
  readonly items: readonly { readonly source?: { readonly id: string } }[];
  readonly sources: readonly { readonly source: { readonly id: string }; readonly status: string }[];
}
type SummaryJson = Record<'flags' | 'results' | 'letters', SectionJson>;

/** Whether a summary shows the healthy source as answered in every section, with its results. */
function hasSourceData(body: Buffer, sourceId: string): boolean {
  const view = JSON.parse(body.toString('utf8')) as SummaryJson;
  const sections = [view.flags, view.results, view.letters];
  const answered = sections.every((s) => s.sources.some((o) => o.source.id === sourceId && o.status === 'ok'));
  return answered && view.results.items.some((i) => i.source?.id === sourceId);
}

export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const total = options.quick ? 80 : 320;
  const budgetMs = options.quick ? 25_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-bench-flaky-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const now = new Date();
    const random = seededRandom(20_251_125);
    const flaky = await startFaultyFhirServer({
      resources: calderbrookResources(now),
      fault: () => (random() < FAILURE_RATE ? { stallMs: STALL_MS, status: 503 } : undefined),
    });
    stops.push(() => flaky.close());
    const healthy = await startFaultyFhirServer({ resources: fellmoorResources(now), maxPageSize: 2 });
    stops.push(() => healthy.close());
    const issuer = await createBenchIssuer();
    const bff = await startBenchBff({
      dir,
      name: 'flaky',
      issuer,
      sources: [
        { ...HOSPITAL.calderbrook, fhirBaseUrl: flaky.baseUrl },
        { ...HOSPITAL.fellmoor, fhirBaseUrl: healthy.baseUrl },
      ],
      cacheTtlSeconds: 0,
    });
    stops.push(() => bff.stop());
    const tokens = await Promise.all(
      Array.from({ length: VIEWERS }, () => openSession(bff, issuer, MARIGOLD.nhsNumber)),
    );

    const latencies: number[] = [];
    let started = 0;
    let missing = 0;
    let flakyUnavailable = 0;
    let errors = 0;
    const deadline = performance.now() + budgetMs;
    await Promise.all(
      tokens.map(async (token) => {
        while (started < total && performance.now() < deadline) {
          started++;
          const res = await summary(bff, token).catch(() => undefined);
          if (!res || res.status !== 200) {
            errors++;
            missing++;
            continue;
          }
          latencies.push(res.ms);
          if (!hasSourceData(res.body, HOSPITAL.fellmoor.id)) missing++;
          if (!hasSourceData(res.body, HOSPITAL.calderbrook.id)) flakyUnavailable++;
        }
      }),
    );
    const p99 = round(percentile(latencies, 99), 0);
    const detail = {
      summaries: latencies.length + errors,
      non200OrNoAnswer: errors,
      viewers: VIEWERS,
      faults: `${FAILURE_RATE * 100} % of calls: ${STALL_MS} ms stall, then 503 (seeded)`,
      summaryDeadlineMs: bff.summaryDeadlineMs,
      sourceTimeoutMs: 4_000,
      latencyMs: {
        p50: round(percentile(latencies, 50), 0),
        p90: round(percentile(latencies, 90), 0),
        max: round(Math.max(...latencies), 0),
      },
      summariesWithoutFlakySourceData: flakyUnavailable,
    };
    return {
      figures: [
        {
          scenario: SCENARIO,
          figure: 'summary latency p99',
          value: p99,
          unit: 'ms',
          target: `≤ ${bff.summaryDeadlineMs} ms (summary deadline)`,
          verdict: judge(p99, 'atMost', bff.summaryDeadlineMs),
          detail,
        },
        {
          scenario: SCENARIO,
          figure: `summaries missing the healthy source's data (of ${latencies.length + errors})`,
          value: missing,
          unit: 'count',
          target: '0',
          verdict: judge(missing, 'atMost', 0),
        },
      ],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
