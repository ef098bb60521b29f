import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { apiKeyChecker } from '../auth/api-key.ts';
import { ProblemError } from '../errors/problem-error.ts';
import type { Metrics } from '../metrics/metrics.ts';

const challenge = { 'WWW-Authenticate': 'ApiKey realm="care-sidebar-metrics"' };

/**
 * `GET /metrics`: Prometheus text exposition for the scraper, behind the same API keys as the audit
 * API (`audit.readers.apiKeySha256`). Session and launch tokens are not accepted: they name a patient.
 */
export function metricsRoutes(metrics: Metrics, apiKeySha256: readonly string[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const checkApiKey = apiKeyChecker(apiKeySha256);
  app.get('/metrics', async (c) => {
    if (checkApiKey(c.req.header('Authorization')).kind !== 'accepted')
      throw new ProblemError('unauthenticated', 401, { headers: challenge });
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
  return app;
}
