import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoControlsMiddleware, demoControlsPlugin, handleControlRequest, isControlPath } from './demo-controls.ts';
import { demoSources } from './mocks/fhir-handlers.ts';
import { SourceFaults } from './mocks/source-faults.ts';

const faults = new SourceFaults(demoSources);
const HOST = '127.0.0.1:5173';

beforeEach(() => faults.reset());

function post(id: string, body: string, extra: { contentType?: string; origin?: string } = {}) {
  return handleControlRequest(faults, {
    method: 'POST',
    url: `/__demo/sources/${id}`,
    contentType: extra.contentType ?? 'application/json',
    origin: extra.origin,
    host: HOST,
    body,
  });
}

describe('handleControlRequest', () => {
  it('leaves every other path to the dev server', () => {
    for (const url of ['/', '/gp-page.ts', '/__demo', '/__demo/sourcesX', '/@vite/client']) {
      expect(isControlPath(url)).toBe(false);
      expect(handleControlRequest(faults, { method: 'GET', url, host: HOST })).toBeUndefined();
    }
    expect(isControlPath('/__demo/sources?x=1')).toBe(true);
  });

  it('GET /__demo/sources lists each source with its mode', () => {
    faults.setMode('hospital-b', 'flaky');
    expect(handleControlRequest(faults, { method: 'GET', url: '/__demo/sources', host: HOST })).toEqual({
      status: 200,
      body: demoSources.map(({ id, name }) => ({ id, name, mode: id === 'hospital-b' ? 'flaky' : 'normal' })),
    });
  });

  it('POST /__demo/sources/:id {mode} sets the mode', () => {
    for (const mode of ['slow', 'flaky', 'down', 'hang', 'normal'] as const) {
      expect(post('hospital-b', JSON.stringify({ mode }))).toEqual({
        status: 200,
        body: { id: 'hospital-b', name: demoSources[1]?.name, mode },
      });
      expect(faults.mode('hospital-b')).toBe(mode);
    }
    expect(post('hospital-a', '{"mode":"down"}', { contentType: 'application/json; charset=utf-8' })?.status).toBe(200);
    expect(faults.mode('hospital-a')).toBe('down');
  });

  it('answers 400 for an unknown source, an unknown mode or a body that is not JSON, and changes nothing', () => {
    expect(post('hospital-z', '{"mode":"down"}')?.status).toBe(400);
    expect(post('hospital-a', '{"mode":"broken"}')?.status).toBe(400);
    expect(post('hospital-a', '{"mode":"Down"}')?.status).toBe(400);
    expect(post('hospital-a', '{}')?.status).toBe(400);
    expect(post('hospital-a', '"down"')?.status).toBe(400);
    expect(post('hospital-a', 'mode=down')?.status).toBe(400);
    expect(post('%E0%A4%A', '{"mode":"down"}')?.status).toBe(400);
    expect(faults.list().map((s) => s.mode)).toEqual(['normal', 'normal']);
  });

  it('refuses other methods, other content types and other origins', () => {
    expect(handleControlRequest(faults, { method: 'POST', url: '/__demo/sources', host: HOST })).toMatchObject({
      status: 405,
      headers: { Allow: 'GET, HEAD' },
    });
    expect(
      handleControlRequest(faults, { method: 'GET', url: '/__demo/sources/hospital-a', host: HOST }),
    ).toMatchObject({ status: 405, headers: { Allow: 'POST' } });
    expect(post('hospital-a', 'mode=down', { contentType: 'application/x-www-form-urlencoded' })?.status).toBe(415);
    expect(post('hospital-a', '{"mode":"down"}', { contentType: 'text/plain' })?.status).toBe(415);
    expect(post('hospital-a', '{"mode":"down"}', { origin: 'https://elsewhere.example' })?.status).toBe(403);
    expect(post('hospital-a', '{"mode":"down"}', { origin: `http://${HOST}` })?.status).toBe(200);
  });
});

describe('demoControlsMiddleware over HTTP', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const middleware = demoControlsMiddleware(faults);
    server = createServer((req, res) =>
      middleware(req, res, () => {
        res.writeHead(404).end('next');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the list and sets a mode', async () => {
    const set = await fetch(`${base}/__demo/sources/hospital-b`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'down' }),
    });
    expect(set.status).toBe(200);
    expect(set.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(set.headers.get('Cache-Control')).toBe('no-store');
    expect(await set.json()).toMatchObject({ id: 'hospital-b', mode: 'down' });

    const list = await fetch(`${base}/__demo/sources`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([
      { id: 'hospital-a', name: demoSources[0]?.name, mode: 'normal' },
      { id: 'hospital-b', name: demoSources[1]?.name, mode: 'down' },
    ]);
  });

  it('answers 400 as JSON for an unknown mode, 413 for a large body, and passes other paths on', async () => {
    const bad = await fetch(`${base}/__demo/sources/hospital-a`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"mode":"sideways"}',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toHaveProperty('error');

    const big = await fetch(`${base}/__demo/sources/hospital-a`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'down', padding: 'x'.repeat(10_000) }),
    });
    expect(big.status).toBe(413);
    expect(faults.mode('hospital-a')).toBe('normal');

    const other = await fetch(`${base}/index.html`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('next');
  });

  it('is a dev-server-only Vite plugin', () => {
    const plugin = demoControlsPlugin(faults);
    expect(plugin.apply).toBe('serve');
    expect(typeof plugin.configureServer).toBe('function');
  });
});
