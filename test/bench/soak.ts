/**
 * Soak (`--soak`): 10 minutes (2 with `--quick`) of steady load — 200 summaries a second, rotating
 * through 300 patients held by two hospitals, a new launch for every 10th view — with the cache
 * on (60 s, 64 MB). The BFF's RSS and cache bytes are sampled every 10 s; after the warm-up (the
 * first fifth), growth is the median of the last third of samples over the median of the first third.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { judge, type ScenarioOptions, type ScenarioResult } from './scenario.ts';
import {
  auditCounts,
  createBenchIssuer,
  openSession,
  startBenchBff,
  summary,
  type WorkerStats,
} from './support/bench-bff.ts';
import { benchNhsNumbers, crowdResources } from './support/bench-records.ts';
import { startFaultyFhirServer } from './support/faulty-fhir-server.ts';
import { median, round, sleep } from './support/stats.ts';

const SCENARIO = 'soak';
const PATIENTS = 300;
const RATE_PER_SECOND = 200;
const MAX_IN_FLIGHT = 64;
const NEW_LAUNCH_EVERY = 10;
const SAMPLE_MS = 10_000;
const FLAT_PERCENT = 10;
const MB = 1024 * 1024;

interface Sample extends WorkerStats {
  readonly atSeconds: number;
}

function growthPercent(values: readonly number[]): number {
  const third = Math.max(1, Math.floor(values.length / 3));
  const first = median(values.slice(0, third));
  const last = median(values.slice(-third));
  return first > 0 ? ((last - first) / first) * 100 : 0;
}

/** Median of the last third minus median of the first third, in MB. */
function deltaMB(values: readonly number[]): number {
  const third = Math.max(1, Math.floor(values.length / 3));
  return (median(values.slice(-third)) - median(values.slice(0, third))) / MB;
}

/** RSS not accounted for by the JS heap or by `external`. */
function nativeOther(s: WorkerStats): number {
  return s.rssBytes - s.heapTotalBytes - s.externalBytes;
}

export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const durationMs = options.quick ? 120_000 : 600_000;
  const warmUpMs = durationMs / 5;
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-bench-soak-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const now = new Date();
    const patients = benchNhsNumbers(PATIENTS);
    const east = await startFaultyFhirServer({ resources: crowdResources(patients, now) });
    stops.push(() => east.close());
    const west = await startFaultyFhirServer({ resources: crowdResources(patients, now), maxPageSize: 2 });
    stops.push(() => west.close());
    const issuer = await createBenchIssuer();
    const bff = await startBenchBff({
      dir,
      name: 'soak',
      issuer,
      sources: [
        { id: 'east', name: 'East Shire Hospital (synthetic)', fhirBaseUrl: east.baseUrl },
        { id: 'west', name: 'West Shire Hospital (synthetic)', fhirBaseUrl: west.baseUrl },
      ],
      cacheTtlSeconds: 60,
      cacheMaxBytes: 64 * MB,
    });
    stops.push(() => bff.stop());
    const tokens = new Map<string, string>();

    const started = performance.now();
    const end = started + durationMs;
    const samples: Sample[] = [];
    const sampler = (async () => {
      while (performance.now() < end) {
        const stats = await bff.stats();
        samples.push({ ...stats, atSeconds: round((performance.now() - started) / 1_000, 0) });
        await sleep(Math.min(SAMPLE_MS, Math.max(0, end - performance.now())));
      }
    })();

    let sent = 0;
    let ok = 0;
    let failed = 0;
    // Why views failed, by kind (statuses and error messages name no patient).
    const failures: Record<string, number> = {};
    const fail = (reason: string): void => {
      failed++;
      failures[reason] = (failures[reason] ?? 0) + 1;
    };
    let skipped = 0;
    let launches = 0;
    const inFlight = new Set<Promise<void>>();
    const view = async (n: number): Promise<void> => {
      const nhsNumber = patients[n % PATIENTS] as string;
      let token = tokens.get(nhsNumber);
      if (token === undefined || n % NEW_LAUNCH_EVERY === 0) {
        token = await openSession(bff, issuer, nhsNumber);
        tokens.set(nhsNumber, token);
        launches++;
      }
      const res = await summary(bff, token);
      if (res.status === 200) ok++;
      else fail(`summary answered ${res.status}`);
    };
    // Every 100 ms, a tenth of a second's views; if too many are still in flight, the rest are skipped.
    const perTick = RATE_PER_SECOND / 10;
    for (let tick = 0; performance.now() < end; tick++) {
      for (let i = 0; i < perTick; i++) {
        if (inFlight.size >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        const p = view(sent++).catch((err: unknown) => {
          fail((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'error');
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(Math.max(0, started + (tick + 1) * 100 - performance.now()));
    }
    await Promise.all(inFlight);
    await sampler;
    await bff.stop();
    const audited = auditCounts(bff.auditPath)?.['summary-view'];

    const steady = samples.filter((s) => s.atSeconds * 1_000 >= warmUpMs);
    const rssGrowth = round(growthPercent(steady.map((s) => s.rssBytes)), 1);
    const cacheGrowth = round(growthPercent(steady.map((s) => s.cacheBytes)), 1);
    const detail = {
      durationSeconds: durationMs / 1_000,
      warmUpSeconds: warmUpMs / 1_000,
      load: `${RATE_PER_SECOND} summaries/s offered, ${PATIENTS} patients rotating, a new launch every ${NEW_LAUNCH_EVERY} views, at most ${MAX_IN_FLIGHT} in flight`,
      summaries: { ok, failed, skippedAtCap: skipped },
      failures,
      bffWarningsAndErrors: bff.problemLogCounts(),
      launches,
      auditedSummaryViews: audited ?? 'unknown',
      cache: 'ttl 60 s, maxBytes 64 MB',
      heapGrowthPercent: round(growthPercent(steady.map((s) => s.heapUsedBytes)), 1),
      // Where RSS goes: the JS heap V8 has reserved, memory held for JS objects outside it (Buffers,
      // ArrayBuffers: `external`), and the rest — native allocations (SQLite's page caches, HTTP
      // parser, OpenSSL, the commit thread's isolate) and what the allocator keeps after freeing.
      growthAfterWarmUpMB: {
        rss: round(deltaMB(steady.map((s) => s.rssBytes)), 1),
        heapTotal: round(deltaMB(steady.map((s) => s.heapTotalBytes)), 1),
        heapUsed: round(deltaMB(steady.map((s) => s.heapUsedBytes)), 1),
        external: round(deltaMB(steady.map((s) => s.externalBytes)), 1),
        arrayBuffers: round(deltaMB(steady.map((s) => s.arrayBuffersBytes)), 1),
        nativeOther: round(deltaMB(steady.map(nativeOther)), 1),
      },
      samples: samples.map((s) => ({
        t: s.atSeconds,
        rssMB: round(s.rssBytes / MB, 1),
        heapMB: round(s.heapUsedBytes / MB, 1),
        heapTotalMB: round(s.heapTotalBytes / MB, 1),
        externalMB: round(s.externalBytes / MB, 1),
        arrayBuffersMB: round(s.arrayBuffersBytes / MB, 1),
        nativeOtherMB: round(nativeOther(s) / MB, 1),
        cacheMB: round(s.cacheBytes / MB, 2),
      })),
    };
    const flat = `flat: ≤ ${FLAT_PERCENT} % growth after warm-up`;
    return {
      figures: [
        {
          scenario: `${SCENARIO} (${durationMs / 60_000} min)`,
          figure: `RSS growth after warm-up (${round(median(steady.map((s) => s.rssBytes)) / MB, 0)} MB median)`,
          value: rssGrowth,
          unit: '%',
          target: flat,
          verdict: failed > 0 ? 'fall-short' : judge(rssGrowth, 'atMost', FLAT_PERCENT),
          detail,
        },
        {
          scenario: `${SCENARIO} (${durationMs / 60_000} min)`,
          figure: `cache bytes growth after warm-up (${round(median(steady.map((s) => s.cacheBytes)) / MB, 2)} MB median)`,
          value: cacheGrowth,
          unit: '%',
          target: flat,
          verdict: judge(cacheGrowth, 'atMost', FLAT_PERCENT),
        },
      ],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
