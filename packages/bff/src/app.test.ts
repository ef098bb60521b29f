import { describe, expect, it } from 'vitest';
import { testConfig } from './test-support/launch-fixtures.ts';
import { testApp } from './test-support/test-app.ts';

const ALLOWED = 'https://gp.host.test';

describe('HTTP surface', () => {
  const t = testApp(testConfig());

  it('sets the security header baseline on every response, errors included', async () => {
    const responses = [
      await t.request('/healthz'),
      await t.request('/no-such-path'),
      await t.request('/api/v1/summary'),
      await t.request('/api/v1/session', { method: 'POST' }),
    ];
    for (const res of responses) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('answers unknown paths with a 404 problem', async () => {
    const res = await t.request('/api/v1/patients/9990000026');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      type: 'urn:care-sidebar:problem:not-found',
      status: 404,
      code: 'not-found',
    });
  });

  it('allows CORS only for configured origins, echoing the origin exactly with Vary: Origin', async () => {
    const ok = await t.request('/api/v1/summary', {
      method: 'OPTIONS',
      headers: {
        Origin: ALLOWED,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('vary')).toContain('Origin');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    for (const origin of [
      'https://evil.test',
      'null',
      'https://gp.host.test.evil.test',
      'http://gp.host.test',
      'https://gp.host.test:444',
    ]) {
      const pre = await t.request('/api/v1/summary', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
      });
      expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
      const get = await t.request('/api/v1/summary', { headers: { Origin: origin } });
      expect(get.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('answers API calls from an allowed origin with its CORS headers and Vary: Origin, errors included', async () => {
    for (const path of ['/api/v1/summary', '/api/v1/no-such-route', '/api/v1/session']) {
      const allowed = await t.request(path, { headers: { Origin: ALLOWED } });
      expect(allowed.headers.get('access-control-allow-origin'), path).toBe(ALLOWED);
      expect(allowed.headers.get('access-control-expose-headers'), path).toBe('X-Request-Id,Date');
      expect(allowed.headers.get('vary'), path).toBe('Origin');
      expect(allowed.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/);
      const none = await t.request(path);
      expect(none.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(none.headers.get('vary'), path).toBe('Origin');
    }
  });

  it('reports liveness and readiness', async () => {
    expect(await (await t.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { audit: 'ok', sources: { 'hospital-a': 'closed' }, issuers: { 'https://gp-host.test': 'inline' } },
    });
  });

  it('serves the built widget bundle to allowed host origins and the launch page', async () => {
    const script = await t.request('/widget/care-sidebar.js', { headers: { Origin: ALLOWED } });
    // Built by `npm run build:widget` before the suites that need it; either way never a 5xx.
    expect([200, 404]).toContain(script.status);
    if (script.status === 200) {
      expect(script.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    const other = await t.request('/widget/care-sidebar.js', { headers: { Origin: 'https://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const page = await t.request('/launch?launch=a.b.c');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${ALLOWED}`);
  });

  it('does not mount the demo launch endpoints outside demo mode', async () => {
    expect((await t.request('/demo/launch-token', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await t.request('/demo/jwks.json')).status).toBe(404);
  });
});
