import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCors } from '../api-cors/index.ts';
import { securityHeaders } from '../security-headers/index.ts';

const HOST_ORIGIN = 'https://gp.host.test';

function app(): Hono {
  const a = new Hono();
  a.onError((_err, c) => c.text('failed', 500));
  a.use(securityHeaders());
  a.use('/api/*', apiCors({ allowed: new Set([HOST_ORIGIN]), allowMethods: ['GET'], exposeHeaders: ['X-Request-Id'] }));
  a.get('/api/plain', (c) => c.json({ ok: true }));
  // A route with its own policy, as the letter reader and the widget bundle have.
  a.get('/api/own-policy', (c) =>
    c.body('<p>letter</p>', 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=60',
    }),
  );
  a.get('/api/fails', () => {
    throw new Error('boom');
  });
  return a;
}

const EXPECTED_DEFAULTS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  vary: 'Origin',
  'access-control-expose-headers': 'X-Request-Id',
};

/** The headers a client sees, from a real Node server on loopback and from in-process `app.request()`. */
let server: Server;
let base: string;
beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app().fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)) as Server;
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const paths = {
  overNode: (path: string, init?: RequestInit) => fetch(`${base}${path}`, init),
  inProcess: (path: string, init?: RequestInit) => Promise.resolve(app().request(path, init)),
};

describe.each(Object.entries(paths))('response headers (%s)', (_name, get) => {
  it('every response carries the security and CORS defaults', async () => {
    const res = await get('/api/plain', { headers: { Origin: HOST_ORIGIN } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(Object.fromEntries(Object.keys(EXPECTED_DEFAULTS).map((k) => [k, res.headers.get(k)]))).toEqual(
      EXPECTED_DEFAULTS,
    );
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe(HOST_ORIGIN);
  });

  it('a route’s own policy wins over the defaults, and no other origin is allowed', async () => {
    const res = await get('/api/own-policy', { headers: { Origin: 'https://elsewhere.test' } });
    expect(await res.text()).toBe('<p>letter</p>');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('an error answer carries them too', async () => {
    const res = await get('/api/fails');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
