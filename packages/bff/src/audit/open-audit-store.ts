import type { Config } from '../config/schema.ts';
import type { AuditLog } from './audit-store.ts';
import { PostgresAuditStore } from './postgres-audit-store.ts';
import { SqliteAuditStore } from './sqlite-audit-store.ts';

/** Opens the store `audit.url` names and runs its migrations; throws (AuditSchemaError…) when it cannot. */
export async function openAuditStore(
  audit: Config['audit'],
  options: { password?: string; applicationName?: string } = {},
): Promise<AuditLog> {
  if (audit.url.startsWith('sqlite:')) {
    const store = SqliteAuditStore.fromUrl(audit.url, { groupCommitMs: audit.groupCommitMs });
    await store.ready();
    return store;
  }
  return PostgresAuditStore.open({
    url: audit.url,
    groupCommitMs: audit.groupCommitMs,
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.applicationName !== undefined ? { applicationName: options.applicationName } : {}),
  });
}
