import { createApp } from '../app.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import { SqliteAuditStore } from '../audit/sqlite-audit-store.ts';
import type { Config } from '../config/schema.ts';
import type { LogEntry } from '../logger.ts';
import type { UpstreamGet } from '../upstream/upstream-transport.ts';

export interface TestApp {
  readonly request: (path: string, init?: RequestInit) => Promise<Response>;
  readonly audit: SqliteAuditStore;
  readonly logs: LogEntry[];
  readonly clock: { now: Date };
  startSession(launch: string): Promise<Response>;
}

/** The real app in-process with a real in-memory SQLite audit store; `fetch` reaches msw. */
export function testApp(
  config: Config,
  options: { audit?: AuditStore; now?: Date; upstreamGet?: UpstreamGet } = {},
): TestApp {
  const audit = SqliteAuditStore.open(':memory:');
  const clock = { now: options.now ?? new Date() };
  const logs: LogEntry[] = [];
  const { app } = createApp({
    config,
    clock: () => clock.now,
    audit: options.audit ?? audit,
    // Late-bound so msw's patched global fetch is the one used.
    fetch: (input, init) => fetch(input, init),
    ...(options.upstreamGet ? { upstreamGet: options.upstreamGet } : {}),
    log: (entry) => logs.push(entry),
  });
  const request = async (path: string, init?: RequestInit) => app.request(path, init);
  return {
    request,
    audit,
    logs,
    clock,
    startSession: (launch) =>
      request('/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ launch }),
      }),
  };
}
