/**
 * The BFF for a benchmark, as `npm start` runs it (packages/bff/src/main.ts): the config file named
 * by argv[2], the SQLite audit store (durable: each view committed before its answer), JSON logs
 * on stdout, createApp behind @hono/node-server on 127.0.0.1. Run as a child process so the load
 * generator does not share its event loop; the parent asks it over IPC for memory and cache size.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { createApp, jsonLogger, loadConfig, SqliteAuditStore } from '@care-sidebar/bff';

/** Parent → worker. */
export type WorkerRequest =
  | { readonly type: 'stats' }
  /** The group commits from the `since`-th on (0-based, counting from start-up). */
  | { readonly type: 'commits'; readonly since: number }
  | { readonly type: 'stop' };

/** One audit group commit, as the store's observer saw it. */
export interface CommitRecord {
  readonly records: number;
  readonly seconds: number;
}

/** Worker → parent. */
export type WorkerMessage =
  | { readonly type: 'listening'; readonly port: number }
  | {
      readonly type: 'stats';
      readonly rssBytes: number;
      /** Peak RSS of the process so far (getrusage ru_maxrss). */
      readonly maxRssBytes: number;
      readonly heapUsedBytes: number;
      /** Memory outside the JS heap held by JS objects (Buffers, ArrayBuffers). */
      readonly externalBytes: number;
      /** The source cache's calculated size (lru-cache maxSize accounting). */
      readonly cacheBytes: number;
      /** V8 heap size (committed), and memory held by ArrayBuffers (part of `external`). */
      readonly heapTotalBytes: number;
      readonly arrayBuffersBytes: number;
      /** Audit group commits so far: batches and the records in them. */
      readonly auditBatches: number;
      readonly auditRecords: number;
      /** CPU time used so far, µs: the whole process (all threads), and the event-loop thread alone. */
      readonly cpuMicros: number;
      readonly mainThreadCpuMicros: number;
      /** Time spent in audit group commits so far (from a batch's start to its commit), summed. */
      readonly auditCommitSeconds: number;
    }
  | { readonly type: 'commits'; readonly commits: readonly CommitRecord[] }
  | { readonly type: 'stopped' };

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

const configPath = process.argv[2];
if (!configPath || !process.send) {
  process.stderr.write('usage: forked by test/bench/support/bench-bff.ts with a config path\n');
  process.exit(64);
}
const config = loadConfig(configPath, process.env);
const audit = SqliteAuditStore.open(config.audit.url.replace(/^sqlite:/, ''), {
  groupCommitMs: config.audit.groupCommitMs,
  // BENCH_AUDIT_COMMIT_THREAD=0 commits on the event loop instead (for comparison).
  commitThread: process.env['BENCH_AUDIT_COMMIT_THREAD'] !== '0',
});
await audit.ready();
let commitSeconds = 0;
/** Every commit in order, for a scenario that pairs views with their commits (bounded: the soak makes many). */
const commitLog: CommitRecord[] = [];
let commitsDropped = 0;
audit.observeCommits((batch) => {
  commitSeconds += batch.seconds;
  commitLog.push({ records: batch.records, seconds: batch.seconds });
  if (commitLog.length > 100_000) {
    commitLog.splice(0, 50_000);
    commitsDropped += 50_000;
  }
});
const { app, cache } = createApp({
  config,
  clock: () => new Date(),
  audit,
  fetch: globalThis.fetch,
  log: jsonLogger(),
});
const server = serve({ fetch: app.fetch, port: config.port, hostname: '127.0.0.1' }, (info) =>
  send({ type: 'listening', port: info.port }),
) as Server;

let stopping = false;
process.on('message', (message: WorkerRequest) => {
  switch (message.type) {
    case 'stats': {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const mainThread = process.threadCpuUsage();
      send({
        type: 'stats',
        rssBytes: memory.rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        heapUsedBytes: memory.heapUsed,
        externalBytes: memory.external,
        cacheBytes: cache.sizeBytes,
        heapTotalBytes: memory.heapTotal,
        arrayBuffersBytes: memory.arrayBuffers,
        auditBatches: audit.commitStats.batches,
        auditRecords: audit.commitStats.records,
        cpuMicros: cpu.user + cpu.system,
        auditCommitSeconds: commitSeconds,
        mainThreadCpuMicros: mainThread.user + mainThread.system,
      });
      return;
    }
    case 'commits': {
      send({ type: 'commits', commits: commitLog.slice(Math.max(0, message.since - commitsDropped)) });
      return;
    }
    case 'stop': {
      if (stopping) return;
      stopping = true;
      server.close(() => {
        audit.close().then(
          () => {
            send({ type: 'stopped' });
            process.exit(0);
          },
          () => process.exit(1),
        );
      });
      server.closeAllConnections();
      return;
    }
  }
});
// The parent went away without saying stop: do not linger.
process.on('disconnect', () => process.exit(0));
