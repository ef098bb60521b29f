export { createApp, type AppDeps } from './app.ts';
export { loadConfig, parseConfig, ConfigError } from './config/load.ts';
export type { Config } from './config/schema.ts';
export { SqliteAuditStore } from './audit/sqlite-audit-store.ts';
export { PostgresAuditStore } from './audit/postgres-audit-store.ts';
export { verifyChain, type VerifyResult } from './audit/chain.ts';
export type { AuditStore, AuditLog, AuditRecord, AuditEntry } from './audit/audit-store.ts';
export type { DemoLauncher } from './routes/demo.ts';
export { jsonLogger, silentLogger, type Logger } from './logger.ts';
