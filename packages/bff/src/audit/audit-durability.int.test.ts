/**
 * "No audit, no data" under faults (SECURITY-CASES c13, c15, c23, c24): the BFF started as
 * `npm start` starts it, under concurrent load, killed with SIGKILL or stopped with SIGTERM; and
 * the store taken away mid-load in-process. Every data response the client received (its
 * X-Request-Id) must have its audit record; nothing is served while the store is down; service
 * resumes by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { parseConfig } from '../config/load.ts';
import type { AuditLog } from './audit-store.ts';
import { verifyChain } from './chain.ts';
import { PostgresAuditStore } from './postgres-audit-store.ts';
import { createTestSchema, loudWarning, postgresAbsencePolicy, probePostgres } from './postgres-test-schema.ts';
import { SqliteAuditStore } from './sqlite-audit-store.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const SECRET_ENV = 'CARE_SIDEBAR_SESSION_SECRET';
const SECRET = 'a-durability-test-secret-of-32-bytes!!';
const ISSUER = 'https://gp-host.durability.test';
const NHS = ['9990000018', '9990000026', '9990000034', '9990000042'];

let fhir: Server;
let fhirUrl: string;
let key: { privateKey: CryptoKey; jwk: JWK };

/** A minimal FHIR R4 source: every patient exists, with nothing recorded. */
function startFhir(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const nhs = url.searchParams.get('identifier')?.split('|')[1];
    const entry = url.pathname.endsWith('/Patient')
      ? [
          {
            resource: {
              resourceType: 'Patient',
              id: `p-${nhs}`,
              identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }],
            },
          },
        ]
      : [];
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  fhir = await startFhir();
  fhirUrl = `http://127.0.0.1:${(fhir.address() as AddressInfo).port}/R4`;
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' } };
});
afterAll(() => new Promise<void>((resolve) => fhir.close(() => resolve())));

function configFile(port: number, auditUrl: string) {
  return {
    publicUrl: `http://127.0.0.1:${port}`,
    port,
    trustedIssuers: [{ issuer: ISSUER, jwks: { keys: [key.jwk] } }],
    clinicalRoles: ['R8000'],
    sources: [{ id: 'a', name: 'Hospital A', fhirBaseUrl: fhirUrl, timeoutMs: 2000 }],
    cache: { ttlSeconds: 0, maxBytes: 0 },
    audit: { url: auditUrl },
    session: { secretEnv: SECRET_ENV },
  };
}

let jtiCounter = 0;
function launch(publicUrl: string, nhs: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: publicUrl,
    iat: now,
    exp: now + 120,
    jti: `d-${process.pid}-${++jtiCounter}-${Math.random()}`,
    sub: 'durability-user',
    name: 'Dr Load Test',
    role: 'R8000',
    org: 'Y12345',
    nhs_number: nhs,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
    .sign(key.privateKey);
}

type Call = (path: string, init?: RequestInit) => Promise<Response>;

interface LoadResult {
  /** Request ids of responses that carried patient data (201 session, 200 summary). */
  readonly delivered: string[];
  readonly statuses: number[];
}

/**
 * `workers` clients, each starting a session and reading its summary again and again, until
 * `until()` says stop (bounded by `maxMs`). Network errors (the server died) end a worker.
 * `result` is filled as responses arrive, so a caller can watch it while the load runs.
 */
async function load(
  call: Call,
  publicUrl: string,
  workers: number,
  until: () => boolean,
  maxMs = 20_000,
  result: LoadResult = { delivered: [], statuses: [] },
) {
  const deadline = Date.now() + maxMs;
  const worker = async (w: number) => {
    let token: string | undefined;
    while (!until() && Date.now() < deadline) {
      try {
        if (!token) {
          const res = await call('/api/v1/session', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ launch: await launch(publicUrl, NHS[w % NHS.length] as string) }),
          });
          const body = (await res.json()) as { token?: string };
          result.statuses.push(res.status);
          if (res.status === 201) {
            result.delivered.push(res.headers.get('x-request-id') as string);
            token = body.token;
          } else await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const res = await call('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });
        const text = await res.text();
        result.statuses.push(res.status);
        if (res.status === 200) {
          expect(text).toContain('"results"');
          result.delivered.push(res.headers.get('x-request-id') as string);
        } else {
          expect(text).not.toContain('"results"');
          await new Promise((r) => setTimeout(r, 20));
        }
      } catch {
        return; // the server went away
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return result;
}

interface Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

async function startBff(configPath: string, port: number): Promise<Child> {
  const proc = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', CARE_SIDEBAR_CONFIG: configPath, [SECRET_ENV]: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(killer));
  const deadline = Date.now() + 15_000;
  while (!out.includes('"listening"')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`BFF did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  void port;
  return { proc, exited, output: () => out };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Every delivered request id is in the audit, and the chain verifies. */
async function expectAllAudited(store: AuditLog, delivered: readonly string[]): Promise<void> {
  const ids = new Set<string>();
  for (let after = 0; ;) {
    const page = await store.query({ afterSeq: after, limit: 5_000 });
    page.forEach((r) => ids.add(r.requestId));
    if (page.length < 5_000) break;
    after = page[page.length - 1]!.seq;
  }
  const missing = delivered.filter((id) => !ids.has(id));
  expect(missing).toEqual([]);
  expect(await verifyChain(store)).toMatchObject({ ok: true });
}

interface StoreKind {
  readonly name: string;
  /** A fresh store location: the config URL, a way to open it here, and cleanup. */
  make(): Promise<{ url: string; open(): Promise<AuditLog>; cleanup(): Promise<void> }>;
}

const sqliteKind: StoreKind = {
  name: 'SQLite',
  make: () => {
    const path = join(mkdtempSync(join(tmpdir(), 'care-sidebar-durability-')), 'audit.db');
    return Promise.resolve({
      url: `sqlite:${path}`,
      open: () => Promise.resolve(SqliteAuditStore.open(path)),
      cleanup: () => Promise.resolve(),
    });
  },
};

const pgState = await probePostgres();
const postgresKind: StoreKind = {
  name: 'PostgreSQL',
  make: async () => {
    const schema = await createTestSchema('care_sidebar_durability');
    return {
      url: schema.url,
      open: () => PostgresAuditStore.open({ url: schema.url }),
      cleanup: () => schema.drop(),
    };
  },
};
const kinds = pgState.available ? [sqliteKind, postgresKind] : [sqliteKind];

describe.each(kinds)('$name: the BFF process under load', (kind) => {
  it('c15: SIGKILL mid-run: every data response the client received has its audit record after restart', async () => {
    const store = await kind.make();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-crash-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(configFile(port, store.url)));
    const base = `http://127.0.0.1:${port}`;
    const call: Call = (path, init) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
    try {
      for (let round = 0; round < 3; round++) {
        const bff = await startBff(configPath, port);
        let stop = false;
        const live: LoadResult = { delivered: [], statuses: [] };
        const running = load(call, base, 16, () => stop, 20_000, live);
        // Killed mid-run at a different point each round: after a count of delivered views, not
        // after a fixed time, so a slow machine still delivers some before the kill.
        const killAfter = 40 + round * 60;
        const deadline = Date.now() + 15_000;
        while (live.delivered.length < killAfter && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        bff.proc.kill('SIGKILL');
        await bff.exited;
        stop = true;
        const { delivered } = await running;
        expect(delivered.length).toBeGreaterThan(10);
        const audit = await store.open();
        await expectAllAudited(audit, delivered);
        await audit.close();
      }
      if (kind === sqliteKind) {
        const db = new DatabaseSync(store.url.slice('sqlite:'.length), { readOnly: true });
        expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
        db.close();
      }
    } finally {
      await store.cleanup();
    }
  }, 90_000);

  it('c23: SIGTERM under load: readiness fails, accepted requests finish without 5xx, queue flushed, exit 0 within 25 s', async () => {
    const store = await kind.make();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-drain-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(configFile(port, store.url)));
    const base = `http://127.0.0.1:${port}`;
    const call: Call = (path, init) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    try {
      const bff = await startBff(configPath, port);
      let stop = false;
      const running = load(call, base, 16, () => stop);
      await new Promise((r) => setTimeout(r, 500));
      const started = Date.now();
      bff.proc.kill('SIGTERM');
      const code = await bff.exited;
      const tookMs = Date.now() - started;
      stop = true;
      const { delivered, statuses } = await running;
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(25_000);
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(bff.output()).toContain('"stopped"');
      const audit = await store.open();
      await expectAllAudited(audit, delivered);
      await audit.close();
    } finally {
      await store.cleanup();
    }
  }, 60_000);
});

/** The app in-process with a real store, answering over app.request. */
function inProcess(audit: AuditLog, port = 18_999) {
  const config = parseConfig(configFile(port, 'sqlite::memory:'), { [SECRET_ENV]: SECRET });
  const { app } = createApp({ config, clock: () => new Date(), audit, fetch: globalThis.fetch });
  const call: Call = async (path, init) => app.request(path, init);
  return { call, publicUrl: config.publicUrl };
}

describe('c13: the audit store becomes unavailable mid-load', () => {
  it('SQLite (locked by another writer beyond busy_timeout): 503 and not ready while locked, nothing unaudited, resumes by itself', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'care-sidebar-outage-')), 'audit.db');
    const audit = SqliteAuditStore.open(path, { busyTimeoutMs: 100 });
    const { call, publicUrl } = inProcess(audit);
    let phase: 'before' | 'down' | 'after' | 'done' = 'before';
    const during: number[] = [];
    const running = load(call, publicUrl, 8, () => phase === 'done');
    await new Promise((r) => setTimeout(r, 300));
    const blocker = new DatabaseSync(path);
    blocker.exec('PRAGMA busy_timeout = 2000');
    blocker.exec('BEGIN EXCLUSIVE');
    phase = 'down';
    await new Promise((r) => setTimeout(r, 300));
    const ready = await call('/readyz');
    during.push(ready.status);
    await new Promise((r) => setTimeout(r, 300));
    blocker.exec('ROLLBACK');
    blocker.close();
    phase = 'after';
    const readyAgain = await call('/readyz');
    await new Promise((r) => setTimeout(r, 500));
    phase = 'done';
    const { delivered, statuses } = await running;
    expect(during).toEqual([503]);
    expect(readyAgain.status).toBe(200);
    expect(statuses).toContain(503);
    // Served again after the outage.
    expect(statuses.lastIndexOf(200)).toBeGreaterThan(statuses.lastIndexOf(503));
    await expectAllAudited(audit, delivered);
    await audit.close();
  }, 30_000);

  it('PostgreSQL (its connections terminated again and again): 503 while cut off, nothing unaudited, resumes by itself', async () => {
    if (!pgState.available) {
      if (postgresAbsencePolicy() === 'warn') return loudWarning('audit outage test', pgState.reason);
      throw new Error(
        `No PostgreSQL reachable (${pgState.reason}); set CARE_SIDEBAR_SKIP_PG=1 outside CI to skip loudly`,
      );
    }
    const schema = await createTestSchema('care_sidebar_outage');
    const appName = `care-sidebar-outage-${process.pid}`;
    const audit = await PostgresAuditStore.open({ url: schema.url, applicationName: appName });
    try {
      const { call, publicUrl } = inProcess(audit);
      let done = false;
      const running = load(call, publicUrl, 8, () => done);
      await new Promise((r) => setTimeout(r, 300));
      // The outage: for 800 ms every connection of this store is killed as soon as it appears.
      const until = Date.now() + 800;
      const readiness: number[] = [];
      while (Date.now() < until) {
        await schema.admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
          [appName],
        );
        await new Promise((r) => setTimeout(r, 5));
      }
      readiness.push((await call('/readyz')).status);
      await new Promise((r) => setTimeout(r, 700));
      done = true;
      const { delivered, statuses } = await running;
      expect(statuses).toContain(503);
      expect(statuses.lastIndexOf(200)).toBeGreaterThan(statuses.lastIndexOf(503));
      expect(readiness).toEqual([200]);
      await expectAllAudited(audit, delivered);
    } finally {
      await audit.close();
      await schema.drop();
    }
  }, 30_000);
});
