import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { withResponseHeaders } from '../response-headers/index.ts';

export interface ApiCorsOptions {
  /** Origins that may call, matched exactly. */
  readonly allowed: ReadonlySet<string>;
  readonly allowMethods: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAge?: number;
}

/**
 * CORS for configured host origins only (hono's cors() would allow any origin by default), with the
 * headers hono's cors() sets, and its preflight answer (OPTIONS is handed to it). For every other
 * method the headers go on with withResponseHeaders: hono's cors() would touch `c.res` before the
 * handler and append `Vary` with `c.header()` after it, and each of those makes @hono/node-server
 * rebuild the response as a stream instead of writing its body directly.
 */
export function apiCors(options: ApiCorsOptions): MiddlewareHandler {
  const origin = (o: string) => (options.allowed.has(o) ? o : null);
  const preflight = cors({
    origin,
    allowMethods: [...options.allowMethods],
    ...(options.allowHeaders ? { allowHeaders: [...options.allowHeaders] } : {}),
    ...(options.exposeHeaders ? { exposeHeaders: [...options.exposeHeaders] } : {}),
    ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
    credentials: false,
  });
  const expose = options.exposeHeaders?.join(',');
  const always: Record<string, string> = {
    Vary: 'Origin',
    ...(expose ? { 'Access-Control-Expose-Headers': expose } : {}),
  };
  return (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const allowOrigin = origin(c.req.header('origin') ?? '');
    return withResponseHeaders(
      c,
      next,
      allowOrigin ? { ...always, 'Access-Control-Allow-Origin': allowOrigin } : always,
    );
  };
}
