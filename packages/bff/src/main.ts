import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import type { AuditLog } from './audit/audit-store.ts';
import { openAuditStore } from './audit/open-audit-store.ts';
import { AuditSchemaError } from './audit/sqlite-audit-store.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { jsonLogger } from './logger.ts';

/** Starts the BFF alone with the config named by CARE_SIDEBAR_CONFIG (default ./care-sidebar.config.json). */
const log = jsonLogger();
const configPath = process.env['CARE_SIDEBAR_CONFIG'] ?? './care-sidebar.config.json';
let config;
try {
  config = loadConfig(configPath, process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`care-sidebar: cannot start. ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
const portEnv = process.env['PORT'];
const port = portEnv === undefined ? config.port : Number(portEnv);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write(`care-sidebar: cannot start. PORT must be an integer from 1 to 65535\n`);
  process.exit(78);
}

/** Time allowed for draining after SIGTERM (Kubernetes gives 30 s by default). */
const DRAIN_LIMIT_MS = 25_000;

let audit: AuditLog;
try {
  audit = await openAuditStore(config.audit, {
    ...(config.auditPassword !== undefined ? { password: config.auditPassword } : {}),
  });
} catch (err) {
  // The message says which setting or what schema; never the URL's credentials (there are none in it).
  const reason =
    err instanceof AuditSchemaError ? err.message : `cannot open the audit store (${(err as Error).message})`;
  process.stderr.write(`care-sidebar: cannot start. audit.url: ${reason}\n`);
  process.exit(err instanceof AuditSchemaError ? 78 : 69); // EX_CONFIG, EX_UNAVAILABLE
}

let draining = false;
const { app } = createApp({
  config,
  clock: () => new Date(),
  audit,
  fetch: globalThis.fetch,
  log,
  draining: () => draining,
  processMetrics: true,
});
const server = serve({ fetch: app.fetch, port, hostname: config.host }, (info) => {
  log({ level: 'info', msg: 'listening', port: info.port, host: config.host });
}) as Server;

/**
 * SIGTERM: /readyz fails at once, no new connections are accepted, requests in flight finish
 * (their audit records are committed before their answers), then the audit queue is flushed and
 * the store closed; exit 0. Anything still running after 25 s is cut off with exit 1.
 */
function shutdown(signal: string): void {
  if (draining) return;
  draining = true;
  log({ level: 'info', msg: 'shutting down', signal });
  const started = Date.now();
  // Keep-alive connections that sit idle between requests would hold the server open.
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  idle.unref();
  server.close(() => {
    clearInterval(idle);
    audit.close().then(
      () => {
        log({ level: 'info', msg: 'stopped', drainMs: Date.now() - started });
        process.exit(0);
      },
      (err: unknown) => {
        log({ level: 'error', msg: 'audit store did not close cleanly', error: (err as Error).name });
        process.exit(1);
      },
    );
  });
  setTimeout(() => {
    log({ level: 'error', msg: 'drain limit reached', drainMs: Date.now() - started });
    process.exit(1);
  }, DRAIN_LIMIT_MS).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
