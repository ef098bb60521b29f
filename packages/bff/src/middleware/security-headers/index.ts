import type { MiddlewareHandler } from 'hono';

/**
 * Security headers on every response, set deliberately rather than with hono's secureHeaders(),
 * whose defaults (X-Frame-Options SAMEORIGIN, CORP same-origin, no CSP) do not fit an embedded product.
 * API answers may not be framed, cached, sniffed or leak a referrer.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    if (!h.has('Content-Security-Policy'))
      h.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    if (!h.has('Cross-Origin-Resource-Policy')) h.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
    h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    h.delete('X-Powered-By');
  };
}
