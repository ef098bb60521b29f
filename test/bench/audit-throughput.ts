/**
 * Bench scenario "audit throughput, durable" (run by run.ts; also runnable alone): audited views
 * per second with durable commit, for each audit store, through
 * the store's group-commit path with realistic records (varied patients, users, sections,
 * sources). Reports numbers; not a pass/fail test. PostgreSQL is the machine's server
 * (CARE_SIDEBAR_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test), in a scratch
 * schema dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditEntry, type AuditLog, PostgresAuditStore, SqliteAuditStore, verifyChain } from '@care-sidebar/bff';
import pg from 'pg';
import type { Figure, ScenarioOptions, ScenarioResult } from './scenario.ts';

const PG_URL = process.env['CARE_SIDEBAR_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 2_000);
let SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);

/** Valid 999-range NHS numbers (Modulus 11). */
function nhsNumbers(count: number): string[] {
  const out: string[] = [];
  for (let n = 0; out.length < count; n++) {
    const body = `999${String(n).padStart(6, '0')}`;
    const sum = [...body].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    out.push(`${body}${check === 11 ? 0 : check}`);
  }
  return out;
}
const PATIENTS = nhsNumbers(5_000);
const ORGS = ['Y12345', 'B86016', 'B82033', 'Y03124'];

function view(i: number): AuditEntry {
  const letter = i % 7 === 0;
  return {
    at: new Date(),
    requestId: crypto.randomUUID(),
    action: letter ? 'letter-open' : 'summary-view',
    outcome: i % 50 === 0 ? 'opted-out' : 'shown',
    user: {
      id: `urn:uuid:${(i % 300).toString(16).padStart(8, '0')}-0c3e-4b36-9a41-1c6a4e0f2a11`,
      name: `Dr Synthetic ${i % 300}`,
      role: 'R8000',
      org: ORGS[i % ORGS.length] as string,
    },
    userVerified: true,
    issuer: 'https://gp-host.example',
    nhsNumber: PATIENTS[i % PATIENTS.length] as string,
    ...(letter
      ? { letterId: `hospital-a:doc-${i}`, sections: { letters: 1 } }
      : { sections: { flags: i % 3, results: i % 17, letters: i % 5 } }),
    sources: [
      { id: 'hospital-a', status: 'ok' },
      { id: 'hospital-b', status: i % 10 === 0 ? 'unavailable' : 'ok' },
    ],
    clientAddress: `10.0.${i % 256}.${(i * 7) % 256}`,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  };
}

interface Result {
  readonly store: string;
  readonly appends: number;
  readonly records: number;
  readonly lost: number;
  readonly perSecond: number;
  readonly batches: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly chain: string;
}

async function measure(name: string, store: AuditLog & { commitStats: { batches: number } }): Promise<Result> {
  const latencies: number[] = [];
  let appended = 0;
  let failed = 0;
  const end = performance.now() + SECONDS * 1_000;
  const started = performance.now();
  // CONCURRENCY viewers, each recording one view after another: the audit write on a view's path.
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < end; i += CONCURRENCY) {
        const t0 = performance.now();
        try {
          await store.append(view(i));
          appended++;
          latencies.push(performance.now() - t0);
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  let records = 0;
  for (let after = 0; ;) {
    const page = await store.query({ afterSeq: after, limit: 10_000 });
    records += page.length;
    if (page.length < 10_000) break;
    after = page[page.length - 1]!.seq;
  }
  const chain = await verifyChain(store);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.floor((latencies.length - 1) * p)] ?? 0) * 10) / 10;
  return {
    store: name,
    appends: appended,
    records,
    lost: appended - records,
    perSecond: Math.round(appended / elapsed),
    batches: store.commitStats.batches,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    chain: chain.ok ? `intact (${chain.records})` : `BROKEN at ${chain.seq}`,
    ...(failed ? { failed } : {}),
  };
}

async function measureStores(): Promise<Result[]> {
  const results: Result[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-bench-'));
  try {
    const sqlite = SqliteAuditStore.open(join(dir, 'audit.db'));
    await sqlite.ready(); // as the BFF does before it listens
    results.push(await measure('SQLite (WAL, synchronous=FULL)', sqlite));
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = `care_sidebar_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    const store = await PostgresAuditStore.open({ url: url.toString(), applicationName: 'care-sidebar-bench' });
    try {
      results.push(await measure('PostgreSQL (synchronous_commit=on)', store));
    } finally {
      await store.close();
    }
  } catch (err) {
    process.stderr.write(`PostgreSQL not benchmarked: ${(err as Error).message}\n`);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  return results;
}

const TARGETS: Readonly<Record<string, number>> = { SQLite: 20_000, PostgreSQL: 10_000 };

/** The scenario for run.ts: one figure per store, with the lost count in the detail. */
export async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  if (options.quick) SECONDS = Math.min(SECONDS, 2);
  const results = await measureStores();
  const figures: Figure[] = Object.keys(TARGETS).map((store) => {
    const r = results.find((x) => x.store.startsWith(store));
    const limit = TARGETS[store] as number;
    return {
      scenario: 'audit throughput, durable',
      figure: `audited views/s, ${store} (group commit), records = appends`,
      value: r ? r.perSecond : null,
      unit: '/s',
      target: `≥ ${limit.toLocaleString('en-GB')}/s, 0 lost`,
      verdict: r ? (r.lost === 0 && r.perSecond >= limit ? 'pass' : 'fall-short') : 'not-measured',
      ...(r ? { detail: { ...r } } : { detail: { reason: 'store not reachable' } }),
    };
  });
  return { figures };
}

if (import.meta.main) {
  const results = await measureStores();
  process.stdout.write(
    `audited views with durable commit, ${CONCURRENCY} concurrent viewers, ${SECONDS} s per store\n`,
  );
  console.table(results);
}
