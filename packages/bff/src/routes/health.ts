import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditStore } from '../audit/audit-store.ts';

/** `/healthz` stays cheap (the process answers); `/readyz` says whether views can be audited. */
export function healthRoutes(audit: AuditStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await audit.ping();
      return c.json({ status: 'ready', checks: { audit: 'ok' } });
    } catch {
      return c.json({ status: 'not-ready', checks: { audit: 'unavailable' } }, 503);
    }
  });
  return app;
}
