import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { KeySetStatus } from '../launch/issuer-key-sets.ts';

export interface HealthRouteDeps {
  readonly audit: AuditStore;
  /** Each source's circuit breaker state. */
  readonly breakerStates: () => Readonly<Record<string, string>>;
  /** Each trusted issuer's key set, as last seen: reading it never fetches a JWKS. */
  readonly issuerStates: () => Readonly<Record<string, KeySetStatus>>;
  /** True once shutdown has begun. */
  readonly draining?: () => boolean;
}

/**
 * `/healthz` stays cheap (the process answers); `/readyz` says whether views can be audited, and
 * shows each source's circuit breaker and each issuer's key set. Neither an open breaker nor an
 * unreachable JWKS makes the instance unready: every instance would see the same outage, pulling
 * them all would stop sessions that still work, and the other sources' data is still worth showing.
 */
export function healthRoutes(deps: HealthRouteDeps): Hono<AppEnv> {
  const { audit, draining = () => false } = deps;
  const app = new Hono<AppEnv>();
  const detail = () => ({ sources: deps.breakerStates(), issuers: deps.issuerStates() });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    // Shutting down: still serving what was accepted, but take no new work.
    if (draining()) return c.json({ status: 'draining', checks: detail() }, 503);
    try {
      await audit.ping();
      return c.json({ status: 'ready', checks: { audit: 'ok', ...detail() } });
    } catch {
      return c.json({ status: 'not-ready', checks: { audit: 'unavailable', ...detail() } }, 503);
    }
  });
  return app;
}
