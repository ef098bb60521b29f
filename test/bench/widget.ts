/**
 * The widget in headless Chromium (Debian's /usr/bin/chromium through playwright-core), loaded the
 * way a script-tag host loads it: a host page on its own 127.0.0.1 origin (in the BFF's
 * allowedOrigins) with `<script type="module" src="<BFF>/widget/care-sidebar.js">`.
 *
 * - size: the bytes GET /widget/care-sidebar.js serves, gzipped (zlib level 6, as compression middleware uses).
 * - first paint: from setting `launch` to the first `[part~=result]` row being in the shadow DOM and
 *   painted (MutationObserver hit, then requestAnimationFrame, then a message posted from it, which
 *   runs after that frame is painted); local upstreams with no delay, cache off; p50 of 20.
 * - 600 results: the longest main-thread task while the summary renders and the page is scrolled to
 *   the end and back: PerformanceObserver('longtask') (tasks ≥ 50 ms) and, for tasks under 50 ms,
 *   the longest RunTask on the renderer's main thread in a Chromium trace. On a page that has shown
 *   one small record first (code compiled, fonts resolved: a GP's sidebar is never cold twice); the
 *   same on a cold page, whose first text layout alone can take tens of ms, is in the detail. The
 *   figure is the median over 5 rounds (3 with --quick) of each round's longest task; each round's
 *   value and the thread's own CPU time in that task (wall time minus any wait for a core) are in
 *   the detail.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../e2e/support/chromium.ts';

import { calderbrookResources, HOSPITAL, MARIGOLD, THADDEUS } from '../e2e/support/synthetic-hospitals.ts';
import { judge, type ScenarioOptions, type ScenarioResult } from './scenario.ts';
import { type BenchBff, createBenchIssuer, http, launchFor, startBenchBff } from './support/bench-bff.ts';
import { LARGE_RECORD_PATIENT, LARGE_RECORD_RESULTS, largeRecordResources } from './support/bench-records.ts';
import { startFaultyFhirServer } from './support/faulty-fhir-server.ts';
import { median, percentile, round } from './support/stats.ts';

const FIRST_PAINTS = 20;
/** Rounds of the 600-results measurement (3 with --quick). */
const LARGE_RECORD_ROUNDS = 5;
const WARM_UPS = 2;
const KB = 1024;

interface HostPage {
  readonly origin: string;
  close(): Promise<void>;
}

/** The host GP page: nothing but the widget's script tag, from the BFF. */
async function startHostPage(bffUrl: () => string): Promise<HostPage> {
  const server = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Bench host</title>
<script type="module" src="${bffUrl()}/widget/care-sidebar.js"></script>
<style>body{margin:0;font-family:sans-serif}care-sidebar{display:block;width:380px}</style>
</head><body></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function openHostPage(browser: Browser, host: HostPage): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${host.origin}/`);
  await page.evaluate(() => customElements.whenDefined('care-sidebar'));
  return page;
}

/**
 * In the page: a new <care-sidebar>, then `launch` set; resolves with ms from setting it to the
 * first result row painted, once `rows` rows are in the shadow DOM.
 */
function timeToResults(page: Page, bffUrl: string, launch: string, rows: number): Promise<number> {
  return page.evaluate(
    async ({ bffUrl, launch, rows }) => {
      document.querySelector('care-sidebar')?.remove();
      const el = document.createElement('care-sidebar') as HTMLElement & { updateComplete: Promise<unknown> };
      el.setAttribute('bff-url', bffUrl);
      document.body.append(el);
      await el.updateComplete;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const root = el.shadowRoot;
      if (!root) throw new Error('care-sidebar has no shadow root');
      return new Promise<number>((resolve, reject) => {
        let t0 = 0;
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`no ${rows} result rows within 20 s`));
        }, 20_000);
        const observer = new MutationObserver(() => {
          if (root.querySelectorAll('[part~="result"]').length < rows) return;
          observer.disconnect();
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => {
              clearTimeout(timer);
              resolve(performance.now() - t0);
            };
            channel.port2.postMessage(null);
          });
        });
        observer.observe(root, { childList: true, subtree: true });
        t0 = performance.now();
        el.setAttribute('launch', launch);
      });
    },
    { bffUrl, launch, rows },
  );
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  /** The thread's own CPU time in the event: less than `dur` when the thread waited for a core. */
  readonly tdur?: number;
  readonly args?: { readonly name?: string };
}

/**
 * The longest RunTask (ms) on any renderer main thread in a Chromium trace, and what took the time
 * inside it (the direct work events: script, style, layout, paint), so a miss can be acted on.
 */
function longestRendererTask(
  trace: Buffer,
): { ms: number; threadMs: number | undefined; inside: Record<string, number> } | undefined {
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter((e) => e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && e.dur !== undefined);
  const longest = onMain
    .filter((e) => e.name === 'RunTask')
    .reduce<TraceEvent | undefined>((max, e) => ((e.dur ?? 0) > (max?.dur ?? -1) ? e : max), undefined);
  if (!longest?.dur || longest.ts === undefined) return undefined;
  const start = longest.ts;
  const end = start + longest.dur;
  const inside: Record<string, number> = {};
  for (const e of onMain) {
    if (e === longest || e.ts === undefined || e.pid !== longest.pid || e.tid !== longest.tid) continue;
    if (e.ts < start || e.ts + (e.dur ?? 0) > end || e.name === 'RunTask') continue;
    inside[e.name] = (inside[e.name] ?? 0) + (e.dur ?? 0) / 1_000;
  }
  // The eight event names that took longest in it (nested events overlap: a Layout inside a FunctionCall).
  const top = Object.entries(inside)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 8)
    .map(([name, ms]) => [name, round(ms, 1)] as const);
  return {
    ms: longest.dur / 1_000,
    threadMs: longest.tdur === undefined ? undefined : longest.tdur / 1_000,
    inside: Object.fromEntries(top),
  };
}

interface LargeRecordRound {
  longTaskApiMs: number[];
  longestTraceTaskMs: number | undefined;
  longestTraceTaskThreadMs: number | undefined;
  longestTraceTaskInside: Record<string, number> | undefined;
  toRowsMs: number;
  trace: Buffer;
}

/** A round's figure: its longest task, by the Long Tasks API (≥ 50 ms) or the trace (any length). */
function longestOf(round: LargeRecordRound): number | undefined {
  const all = [...round.longTaskApiMs, ...(round.longestTraceTaskMs === undefined ? [] : [round.longestTraceTaskMs])];
  return all.length ? Math.max(...all) : undefined;
}

async function measureLargeRecord(
  browser: Browser,
  host: HostPage,
  bff: BenchBff,
  launch: string,
  /** A small record to show first, so the page is as warm as in a GP's session; none: a cold page. */
  warmLaunch?: string,
): Promise<LargeRecordRound> {
  const page = await openHostPage(browser, host);
  try {
    if (warmLaunch) await timeToResults(page, bff.url, warmLaunch, 1);
    await page.evaluate((buffered) => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered });
    }, !warmLaunch);
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    let trace: Buffer | undefined;
    let toRowsMs: number;
    try {
      toRowsMs = await timeToResults(page, bff.url, launch, LARGE_RECORD_RESULTS);
      // Scroll to the end and back, a wheel notch at a time.
      for (let i = 0; i < 40; i++) {
        await page.mouse.wheel(0, 600);
        await page.waitForTimeout(16);
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(200);
    } finally {
      trace = await browser.stopTracing();
    }
    const longTaskApiMs = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    const longestTask = longestRendererTask(trace);
    return {
      longTaskApiMs,
      longestTraceTaskMs: longestTask?.ms,
      longestTraceTaskThreadMs: longestTask?.threadMs,
      longestTraceTaskInside: longestTask?.inside,
      toRowsMs,
      trace,
    };
  } finally {
    await page.close();
  }
}

export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing (npm test installs Debian's chromium)`);
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-bench-widget-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const now = new Date();
    const hospital = await startFaultyFhirServer({ resources: calderbrookResources(now) });
    stops.push(() => hospital.close());
    const big = await startFaultyFhirServer({ resources: largeRecordResources(now), maxPageSize: 100 });
    stops.push(() => big.close());
    let bffUrl = '';
    const host = await startHostPage(() => bffUrl);
    stops.push(() => host.close());
    const issuer = await createBenchIssuer();
    const bff = await startBenchBff({
      dir,
      name: 'widget',
      issuer,
      sources: [
        { ...HOSPITAL.calderbrook, fhirBaseUrl: hospital.baseUrl },
        { id: 'bigtown', name: 'Bigtown University Hospital (synthetic)', fhirBaseUrl: big.baseUrl },
      ],
      cacheTtlSeconds: 0,
      allowedOrigins: [host.origin],
    });
    bffUrl = bff.url;
    stops.push(() => bff.stop());

    // Size: what the BFF serves.
    const served = await http(`${bff.url}/widget/care-sidebar.js`);
    if (served.status !== 200) throw new Error(`GET /widget/care-sidebar.js answered ${served.status}`);
    const gzipKB = round(gzipSync(served.body, { level: 6 }).byteLength / KB, 1);

    const browser = await launchChromium();
    stops.push(() => browser.close());

    // First paint: alternate two patients so each launch is a new patient, as in a GP's day.
    const page = await openHostPage(browser, host);
    const paints: number[] = [];
    for (let i = 0; i < WARM_UPS + FIRST_PAINTS; i++) {
      const patient = i % 2 ? THADDEUS : MARIGOLD;
      const ms = await timeToResults(page, bff.url, await launchFor(bff, issuer, patient.nhsNumber), 1);
      if (i >= WARM_UPS) paints.push(ms);
    }
    await page.close();
    const paintP50 = round(percentile(paints, 50), 1);

    // Measured on a page that has shown one small record first (the widget's code compiled, fonts
    // resolved), as in a GP's session; the same on a cold page is reported beside it.
    const cold = await measureLargeRecord(
      browser,
      host,
      bff,
      await launchFor(bff, issuer, LARGE_RECORD_PATIENT.nhsNumber),
    );
    // Rounds, each on a new warm page: one round's longest task is one draw from a distribution
    // that, on a machine of few cores shared with the BFF and the mock hospitals, depends on when
    // the renderer's thread got a core; the median of the rounds is reproducible, and the longest
    // round is reported beside it.
    const rounds: LargeRecordRound[] = [];
    for (let r = 0; r < (options.quick ? 3 : LARGE_RECORD_ROUNDS); r++) {
      rounds.push(
        await measureLargeRecord(
          browser,
          host,
          bff,
          await launchFor(bff, issuer, LARGE_RECORD_PATIENT.nhsNumber),
          await launchFor(bff, issuer, MARIGOLD.nhsNumber),
        ),
      );
    }
    const coldLongest = round(longestOf(cold) ?? 0, 1);
    const measuredRounds = rounds.flatMap((r) => {
      const ms = longestOf(r);
      return ms === undefined ? [] : [{ ms, round: r }];
    });
    const longest = measuredRounds.length ? round(median(measuredRounds.map((m) => m.ms)), 1) : undefined;
    const worst = measuredRounds.reduce<(typeof measuredRounds)[number] | undefined>(
      (max, m) => (m.ms > (max?.ms ?? -1) ? m : max),
      undefined,
    );
    if (process.env['BENCH_TRACE_FILE'] && worst) writeFileSync(process.env['BENCH_TRACE_FILE'], worst.round.trace);

    return {
      figures: [
        {
          scenario: 'widget size',
          figure: 'served /widget/care-sidebar.js, gzipped',
          value: gzipKB,
          unit: 'KB',
          target: '≤ 25 KB',
          verdict: judge(gzipKB, 'atMost', 25),
          detail: {
            rawKB: round(served.body.byteLength / KB, 1),
            gzipLevel9KB: round(gzipSync(served.body, { level: 9 }).byteLength / KB, 1),
            contentEncodingServed: served.headers['content-encoding'] ?? 'none',
          },
        },
        {
          scenario: 'widget first paint',
          figure: `launch set → first result painted, p50 of ${paints.length}`,
          value: paintP50,
          unit: 'ms',
          target: '≤ 150 ms',
          verdict: judge(paintP50, 'atMost', 150),
          detail: {
            p90: round(percentile(paints, 90), 1),
            max: round(Math.max(...paints), 1),
            samplesMs: paints.map((x) => round(x, 1)),
            setup: 'headless Chromium, local upstreams without delay, BFF cache off, two patients alternating',
          },
        },
        {
          scenario: 'widget with 600 results',
          figure: 'longest main-thread task, rendering and scrolling',
          value: longest ?? null,
          unit: 'ms',
          target: '≤ 50 ms',
          verdict: longest === undefined ? 'not-measured' : judge(longest, 'atMost', 50),
          detail: {
            figure: `median over ${rounds.length} rounds of each round's longest task`,
            perRoundMs: rounds.map((r) => (longestOf(r) === undefined ? null : round(longestOf(r) as number, 1))),
            perRoundThreadCpuMs: rounds.map((r) =>
              r.longestTraceTaskThreadMs === undefined ? null : round(r.longestTraceTaskThreadMs, 1),
            ),
            longTasksOver50Ms: rounds.reduce((n, r) => n + r.longTaskApiMs.length, 0),
            longestRoundMs: worst ? round(worst.ms, 1) : null,
            longestRoundInsideMs: worst?.round.longestTraceTaskInside ?? null,
            page: 'warm: one small record shown first',
            coldPageLongestTaskMs: coldLongest,
            coldPageLongestTraceRunTaskInsideMs: cold.longestTraceTaskInside ?? null,
            launchToAll600RowsPaintedMs: round(median(rounds.map((r) => r.toRowsMs)), 0),
          },
        },
      ],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
