/**
 * Large record, cold: the summary for a patient with 600 laboratory results, fetched from one
 * hospital over many upstream pages (100 a page: the Patient, 4 pages of reports with their
 * results, 6 pages of laboratory observations), with the cache off so every summary is cold.
 * Reports latency and the BFF process's peak RSS (getrusage), and checks all 600 are shown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fellmoorResources, HOSPITAL } from '../e2e/support/synthetic-hospitals.ts';
import type { ScenarioOptions, ScenarioResult } from './scenario.ts';
import { createBenchIssuer, openSession, startBenchBff, summary } from './support/bench-bff.ts';
import { LARGE_RECORD_PATIENT, LARGE_RECORD_RESULTS, largeRecordResources } from './support/bench-records.ts';
import { startFaultyFhirServer } from './support/faulty-fhir-server.ts';
import { percentile, round } from './support/stats.ts';

const SCENARIO = 'large record, cold';
const MB = 1024 * 1024;

export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const samples = options.quick ? 5 : 20;
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-bench-large-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const now = new Date();
    const big = await startFaultyFhirServer({ resources: largeRecordResources(now), maxPageSize: 100 });
    stops.push(() => big.close());
    const other = await startFaultyFhirServer({ resources: fellmoorResources(now) });
    stops.push(() => other.close());
    const issuer = await createBenchIssuer();
    const bff = await startBenchBff({
      dir,
      name: 'large',
      issuer,
      sources: [
        { id: 'bigtown', name: 'Bigtown University Hospital (synthetic)', fhirBaseUrl: big.baseUrl },
        { ...HOSPITAL.fellmoor, fhirBaseUrl: other.baseUrl },
      ],
      cacheTtlSeconds: 0,
    });
    stops.push(() => bff.stop());
    const token = await openSession(bff, issuer, LARGE_RECORD_PATIENT.nhsNumber);
    const before = await bff.stats();

    const latencies: number[] = [];
    let shown = 0;
    let status = '';
    let bodyBytes = 0;
    let upstreamCalls = 0;
    let failures = 0;
    big.takeCalls();
    for (let i = 0; i < samples; i++) {
      const res = await summary(bff, token);
      upstreamCalls = big.takeCalls().length;
      if (res.status !== 200) {
        failures++;
        continue;
      }
      latencies.push(res.ms);
      const view = JSON.parse(res.body.toString('utf8')) as { results: { status: string; items: unknown[] } };
      shown = view.results.items.length;
      status = view.results.status;
      bodyBytes = res.body.byteLength;
    }
    const after = await bff.stats();
    const detail = {
      samples: latencies.length,
      failures,
      resultsShown: shown,
      resultsSectionStatus: status,
      upstreamCallsPerSummary: upstreamCalls,
      responseBytes: bodyBytes,
      latencyMs: { p50: round(percentile(latencies, 50), 0), max: round(Math.max(...latencies), 0) },
      rssBeforeMB: round(before.rssBytes / MB, 1),
      peakRssMB: round(after.maxRssBytes / MB, 1),
    };
    const complete = failures === 0 && shown === LARGE_RECORD_RESULTS;
    return {
      figures: [
        {
          scenario: SCENARIO,
          figure: `summary latency, ${LARGE_RECORD_RESULTS} results over ${upstreamCalls} upstream calls, p50 of ${latencies.length}`,
          value: detail.latencyMs.p50,
          unit: 'ms',
          target: 'report',
          verdict: complete ? 'report' : 'fall-short',
          detail,
        },
        {
          scenario: SCENARIO,
          figure: 'BFF peak RSS',
          value: detail.peakRssMB,
          unit: 'MB',
          target: 'report',
          verdict: complete ? 'report' : 'fall-short',
          detail: { rssBeforeMB: detail.rssBeforeMB, resultsShown: shown },
        },
      ],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
