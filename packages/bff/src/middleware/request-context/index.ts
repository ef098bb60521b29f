import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../../app-env.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { withResponseHeaders } from '../response-headers/index.ts';

/**
 * Gives every request our own id (an incoming X-Request-Id is not trusted: the id appears in
 * the audit record), writes one access log line with route, status and latency — no patient
 * data — and counts and times the request by its matched route pattern (`/api/v1/letters/:id`),
 * never by its path, which may carry ids. A route may add fields of its own to the line (`accessLog`):
 * ids and outcomes only, like every other field.
 */
export function requestContext(log: Logger, metrics?: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const id = crypto.randomUUID();
    c.set('requestId', id);
    c.set('log', log);
    await withResponseHeaders(c, next, { 'X-Request-Id': id });
    // After next(), the route of the handler that answered (or of the last middleware, for a 404).
    const route = routePath(c);
    const seconds = (performance.now() - started) / 1000;
    metrics?.httpRequest(c.req.method, route, c.res.status, seconds);
    log({
      level: 'info',
      msg: 'request',
      requestId: id,
      method: c.req.method,
      route,
      status: c.res.status,
      latencyMs: Math.round(seconds * 1000),
      ...c.get('accessLog'),
    });
  };
}
