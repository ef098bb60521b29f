import type { MiddlewareHandler } from 'hono';
import { withResponseHeaders } from '../response-headers/index.ts';

/**
 * Security headers on every response, set deliberately rather than with hono's secureHeaders(),
 * whose defaults (X-Frame-Options SAMEORIGIN, CORP same-origin, no CSP) do not fit an embedded product.
 * API answers may not be framed, cached, sniffed or leak a referrer. A route that needs another
 * policy (the letter reader's CSP, the widget bundle's caching) sets its own header, which wins.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

export function securityHeaders(): MiddlewareHandler {
  return (c, next) => withResponseHeaders(c, next, SECURITY_HEADERS);
}
