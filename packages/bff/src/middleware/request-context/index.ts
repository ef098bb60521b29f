import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import type { Logger } from '../../logger.ts';

/**
 * Gives every request our own id (an incoming X-Request-Id is not trusted: the id appears in
 * the audit record) and writes one access log line with route, status and latency — no patient data.
 */
export function requestContext(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const id = crypto.randomUUID();
    c.set('requestId', id);
    c.set('log', log);
    await next();
    c.header('X-Request-Id', id);
    log({
      level: 'info',
      msg: 'request',
      requestId: id,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      latencyMs: Math.round(performance.now() - started),
    });
  };
}
