/**
 * Starts the BFF worker (bff-worker.ts) as a child process with a bench config, and stops it.
 * Also: the host issuer that signs launches, sessions, and a keep-alive HTTP client.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';

import { freePort } from '../../e2e/support/bff-process.ts';
import {
  createHostIssuer,
  type HostIssuer,
  type HostUser,
  launchClaims,
  signLaunch,
} from '../../e2e/support/host-system.ts';
import type { CommitRecord, WorkerMessage, WorkerRequest } from './bff-worker.ts';

const WORKER = fileURLToPath(new URL('./bff-worker.ts', import.meta.url));
const SECRET_ENV = 'BENCH_SESSION_SECRET';

export const BENCH_USER: HostUser = {
  sub: 'bench-user-0001',
  name: 'Dr Bench Marker',
  role: 'R8000',
  org: 'Y99999',
};

export function createBenchIssuer(): Promise<HostIssuer> {
  return createHostIssuer('https://bench-gp-host.example/launch', 'ES256', 'bench-es256-1');
}

export interface BenchSource {
  readonly id: string;
  readonly name: string;
  readonly fhirBaseUrl: string;
  readonly timeoutMs?: number;
}

export interface BenchBffOptions {
  readonly dir: string;
  readonly name: string;
  readonly issuer: HostIssuer;
  readonly sources: readonly BenchSource[];
  /** 0 turns the cache off: every summary goes upstream. */
  readonly cacheTtlSeconds: number;
  readonly cacheMaxBytes?: number;
  readonly summaryDeadlineMs?: number;
  readonly allowedOrigins?: readonly string[];
}

/** What the worker reports of itself (bff-worker.ts): memory, cache size, audit commits and CPU time. */
export type WorkerStats = Omit<Extract<WorkerMessage, { type: 'stats' }>, 'type'>;

export interface BenchBff {
  /** `http://127.0.0.1:<port>`, also the config's publicUrl (the launch audience). */
  readonly url: string;
  readonly auditPath: string;
  readonly summaryDeadlineMs: number;
  stats(): Promise<WorkerStats>;
  /** Its audit group commits from the `since`-th on (`WorkerStats.auditBatches` before a run), in order. */
  commitsSince(since: number): Promise<readonly CommitRecord[]>;
  /** The last lines of its JSON log (for error messages). */
  logTail(lines?: number): string;
  /** Its warn and error log lines, counted by `level msg (failure httpStatus)`: what went wrong, no patient data. */
  problemLogCounts(): Record<string, number>;
  /** Stops the worker (it commits its audit queue and closes the store); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startBenchBff(options: BenchBffOptions): Promise<BenchBff> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const auditPath = join(options.dir, `${options.name}-audit.db`);
  const configPath = join(options.dir, `${options.name}.config.json`);
  const summaryDeadlineMs = options.summaryDeadlineMs ?? 8_000;
  const config = {
    publicUrl: url,
    port,
    host: '127.0.0.1',
    trustedIssuers: [{ issuer: options.issuer.issuer, jwks: { keys: [options.issuer.publicJwk] } }],
    clinicalRoles: ['R8000'],
    sources: options.sources.map((s) => ({ ...s, timeoutMs: s.timeoutMs ?? 4_000, auth: { type: 'none' } })),
    cache: { ttlSeconds: options.cacheTtlSeconds, maxBytes: options.cacheMaxBytes ?? 64 * 1024 * 1024 },
    audit: { url: `sqlite:${auditPath}` },
    session: { ttlSeconds: 3_600, secretEnv: SECRET_ENV },
    allowedOrigins: options.allowedOrigins ?? [],
    upstream: { summaryDeadlineMs },
    sensitiveCodes: { codes: [], securityLabels: [] },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // Logs go to a file, as `npm start`'s stdout would go to a log shipper.
  const logPath = join(options.dir, `${options.name}.log`);
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = fork(WORKER, [configPath], {
      // BENCH_BFF_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the BFF under a scenario's load.
      execArgv: [...process.execArgv, ...(process.env['BENCH_BFF_NODE_FLAGS']?.split(' ').filter(Boolean) ?? [])],
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        [SECRET_ENV]: randomBytes(32).toString('base64url'),
        ...(process.env['BENCH_AUDIT_COMMIT_THREAD'] !== undefined
          ? { BENCH_AUDIT_COMMIT_THREAD: process.env['BENCH_AUDIT_COMMIT_THREAD'] }
          : {}),
      },
      stdio: ['ignore', logFd, 'pipe', 'ipc'],
    });
  } finally {
    closeSync(logFd);
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const next = (type: WorkerMessage['type'], timeoutMs: number): Promise<WorkerMessage> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type !== type) return;
        cleanup();
        resolve(m);
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`the bench BFF (${options.name}) exited: ${stderr.trim()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the bench BFF (${options.name}) did not answer "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const tell = (message: WorkerRequest) => {
    if (!hasExited && child.connected) child.send(message);
  };

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (hasExited) return;
    tell({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await next('listening', 15_000);
  } catch (err) {
    await stop(1_000);
    throw err;
  }
  return {
    url,
    auditPath,
    summaryDeadlineMs,
    stop,
    logTail: (lines = 5) => {
      try {
        return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    problemLogCounts: () => {
      const counts: Record<string, number> = {};
      let text: string;
      try {
        text = readFileSync(logPath, 'utf8');
      } catch {
        return counts;
      }
      for (const line of text.split('\n')) {
        if (!line.includes('"level":"warn"') && !line.includes('"level":"error"')) continue;
        try {
          const entry = JSON.parse(line) as { level?: string; msg?: string; failure?: string; httpStatus?: number };
          const why = [entry.failure, entry.httpStatus].filter((x) => x !== undefined).join(' ');
          const key = `${entry.level} ${entry.msg}${why ? ` (${why})` : ''}`;
          counts[key] = (counts[key] ?? 0) + 1;
        } catch {
          counts['unreadable log line'] = (counts['unreadable log line'] ?? 0) + 1;
        }
      }
      return counts;
    },
    commitsSince: async (since: number) => {
      const reply = next('commits', 5_000);
      tell({ type: 'commits', since });
      const m = await reply;
      if (m.type !== 'commits') throw new Error('unexpected worker message');
      return m.commits;
    },
    stats: async () => {
      const reply = next('stats', 5_000);
      tell({ type: 'stats' });
      const m = await reply;
      if (m.type !== 'stats') throw new Error('unexpected worker message');
      const { type: _type, ...stats } = m;
      return stats;
    },
  };
}

/** Audit records by action, read from the stopped BFF's SQLite file; undefined if its schema is not the one known here. */
export function auditCounts(auditPath: string): Record<string, number> | undefined {
  try {
    const db = new DatabaseSync(auditPath, { readOnly: true });
    try {
      const rows = db.prepare('SELECT action, COUNT(*) AS n FROM audit_event GROUP BY action').all() as {
        action: string;
        n: number;
      }[];
      return Object.fromEntries(rows.map((r) => [r.action, Number(r.n)]));
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Client side

let agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Time from sending the request to the last byte of the answer. */
  readonly ms: number;
}

/** One HTTP request over a keep-alive connection (node:http: lighter than fetch, so less client noise). */
export function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks),
          headers: res.headers,
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer from ${url} in time`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Closes the client's idle keep-alive sockets (between scenarios). */
export function closeClientSockets(): void {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 256 });
}

/** A fresh signed launch for `nhsNumber` (new jti each time). */
export function launchFor(bff: BenchBff, issuer: HostIssuer, nhsNumber: string): Promise<string> {
  return signLaunch(issuer, launchClaims(issuer, { audience: bff.url, user: BENCH_USER, nhsNumber }));
}

/** Starts a session for `nhsNumber` and returns its bearer token. */
export async function openSession(bff: BenchBff, issuer: HostIssuer, nhsNumber: string): Promise<string> {
  const launch = await launchFor(bff, issuer, nhsNumber);
  const res = await http(`${bff.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ launch }),
  });
  if (res.status !== 201) {
    throw new Error(
      `session for the bench patient: ${res.status} ${res.body.toString('utf8')}\nBFF log:\n${bff.logTail()}`,
    );
  }
  return (JSON.parse(res.body.toString('utf8')) as { token: string }).token;
}

export function summary(bff: BenchBff, token: string): Promise<HttpAnswer> {
  return http(`${bff.url}/api/v1/summary`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    timeoutMs: bff.summaryDeadlineMs + 10_000,
  });
}
