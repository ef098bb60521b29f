import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../app-env.ts';
import { notFoundHandler, problemHandler } from '../errors/problem-handler.ts';
import { requestContext } from '../middleware/request-context/index.ts';
import { securityHeaders } from '../middleware/security-headers/index.ts';
import { testConfig } from '../test-support/launch-fixtures.ts';
import { embedRoutes, launchPagePolicy } from './embed.ts';

const BUNDLE = new TextEncoder().encode('export const careSidebar = 1;\n');

function app(bundle: Uint8Array | null = BUNDLE, allowedOrigins = ['https://gp.host.test', 'https://other.host.test']) {
  const a = new Hono<AppEnv>();
  a.onError(problemHandler);
  a.notFound(notFoundHandler);
  a.use(requestContext(() => {}));
  a.use(securityHeaders());
  a.route(
    '/',
    embedRoutes({ config: testConfig({ allowedOrigins }), widgetBundle: () => Promise.resolve(bundle ?? undefined) }),
  );
  return a;
}

const LAUNCH = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('embedding', () => {
  it('serves the widget bundle as a cross-origin-readable script', async () => {
    const res = await app().request('/widget/care-sidebar.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(BUNDLE);
  });

  it('serves the lazily imported chunks by name only, cacheable for good (their names carry a hash)', async () => {
    const CHUNK = new TextEncoder().encode('export const reader = 1;\n');
    const asked: string[] = [];
    const a = new Hono<AppEnv>();
    a.onError(problemHandler);
    a.notFound(notFoundHandler);
    a.use(requestContext(() => {}));
    a.route(
      '/',
      embedRoutes({
        config: testConfig({ allowedOrigins: [] }),
        widgetBundle: (file) => {
          asked.push(file);
          return Promise.resolve(file === 'chunks/letter-reader-AbC_12.js' ? CHUNK : undefined);
        },
      }),
    );
    const res = await a.request('/widget/chunks/letter-reader-AbC_12.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(CHUNK);
    expect((await a.request('/widget/chunks/unknown-1.js')).status).toBe(404);
    // Anything but a plain chunk name never reaches the file system.
    for (const path of [
      '/widget/chunks/..%2F..%2Fpackage.json',
      '/widget/chunks/a.json',
      '/widget/chunks/.hidden.js',
    ]) {
      expect((await a.request(path)).status, path).toBe(404);
    }
    expect(asked).toEqual(['chunks/letter-reader-AbC_12.js', 'chunks/unknown-1.js']);
  });

  it('answers 404 problem+json when the bundle was not built', async () => {
    const res = await app(null).request('/widget/care-sidebar.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('serves a launch page hosting the widget, framable only by the allowed origins', async () => {
    const res = await app().request(`/launch?launch=${LAUNCH}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain('frame-ancestors https://gp.host.test https://other.host.test');
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBeNull();
    const html = await res.text();
    expect(html).toContain(`<care-sidebar bff-url="https://bff.care-sidebar.test" launch="${LAUNCH}"></care-sidebar>`);
    expect(html).toContain(
      '<script type="module" src="https://bff.care-sidebar.test/widget/care-sidebar.js"></script>',
    );
  });

  it('cannot be framed at all when no origin is allowed', () => {
    expect(launchPagePolicy([])).toContain("frame-ancestors 'none'");
  });

  it('refuses a launch parameter that is not a compact JWS, so nothing can be injected into the page', async () => {
    for (const bad of ['', '"><script>alert(1)</script>', 'a.b', `${LAUNCH}"onload="x`, 'a'.repeat(9000) + '.b.c']) {
      const res = await app().request(`/launch?launch=${encodeURIComponent(bad)}`);
      expect(res.status, bad.slice(0, 20)).toBe(400);
      expect(await res.text()).not.toContain('<script>alert');
    }
  });
});
