export { createApp, type AppDeps } from './app.ts';
export { loadConfig, parseConfig, ConfigError } from './config/load.ts';
export type { Config } from './config/schema.ts';
export { SqliteAuditStore } from './audit/sqlite-audit-store.ts';
export type { AuditStore, AuditRecord, AuditEntry } from './audit/audit-store.ts';
export type { DemoLauncher } from './routes/demo.ts';
export { jsonLogger, silentLogger, type Logger } from './logger.ts';
