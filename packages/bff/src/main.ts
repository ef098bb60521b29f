import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { SqliteAuditStore } from './audit/sqlite-audit-store.ts';
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

let audit: SqliteAuditStore;
try {
  audit = SqliteAuditStore.fromUrl(config.audit.url);
} catch (err) {
  process.stderr.write(`care-sidebar: cannot start. audit.url: ${(err as Error).message}\n`);
  process.exit(78);
}
const { app } = createApp({ config, clock: () => new Date(), audit, fetch: globalThis.fetch, log });
const server = serve({ fetch: app.fetch, port, hostname: config.host }, (info) => {
  log({ level: 'info', msg: 'listening', port: info.port, host: config.host });
});

function shutdown(signal: string): void {
  log({ level: 'info', msg: 'shutting down', signal });
  server.close(() => {
    void audit.close().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(1), 25_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
