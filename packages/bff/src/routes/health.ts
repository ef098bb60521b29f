import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditStore } from '../audit/audit-store.ts';

/**
 * `/healthz` stays cheap (the process answers); `/readyz` says whether views can be audited, and
 * shows each source's circuit breaker. An open breaker does not make the instance unready: every
 * instance would see the same source down, and the others' data is still worth showing.
 */
export function healthRoutes(
  audit: AuditStore,
  breakerStates: () => Record<string, string>,
  draining: () => boolean = () => false,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    // Shutting down: still serving what was accepted, but take no new work.
    if (draining()) return c.json({ status: 'draining', checks: { sources: breakerStates() } }, 503);
    try {
      await audit.ping();
      return c.json({ status: 'ready', checks: { audit: 'ok', sources: breakerStates() } });
    } catch {
      return c.json({ status: 'not-ready', checks: { audit: 'unavailable', sources: breakerStates() } }, 503);
    }
  });
  return app;
}
