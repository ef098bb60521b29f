import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyTooLarge, nodeHttpGet } from './upstream-transport.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const gets: { close(): void }[] = [];
afterEach(async () => {
  for (const g of gets.splice(0)) g.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A real server on loopback; `ports` holds the client port of each request, to see connection reuse. */
async function serve(handler: Handler): Promise<{ url: (path: string) => URL; ports: number[] }> {
  const ports: number[] = [];
  const server = createServer((req, res) => {
    ports.push(req.socket.remotePort ?? 0);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: (path) => new URL(path, origin), ports };
}

function client() {
  const get = nodeHttpGet();
  gets.push(get);
  return get;
}

const never = new AbortController().signal;

describe('nodeHttpGet', () => {
  it('answers status, headers and body, sends the headers given, and keeps the connection for the next call', async () => {
    const seen: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      seen.push(req.headers['accept']);
      res.writeHead(200, { 'Content-Type': 'application/fhir+json', 'Retry-After': '1' });
      res.end('{"resourceType":"Bundle"}');
    });
    const get = client();
    for (let i = 0; i < 2; i++) {
      const answer = await get(server.url('/fhir/Patient?identifier=x'), { Accept: 'application/fhir+json' }, never);
      expect(answer.status).toBe(200);
      expect(answer.header('content-type')).toBe('application/fhir+json');
      expect(answer.header('retry-after')).toBe('1');
      expect(Buffer.from(await answer.bytes(1_000)).toString('utf8')).toBe('{"resourceType":"Bundle"}');
    }
    expect(seen).toEqual(['application/fhir+json', 'application/fhir+json']);
    expect(server.ports[0]).toBe(server.ports[1]);
  });

  it('asks for compressed answers and decodes gzip, deflate and br; the cap counts decoded bytes', async () => {
    const json = JSON.stringify({
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Patient', id: 'p' } }],
    });
    const bomb = Buffer.alloc(1_000_000, 0x20); // a megabyte of spaces: tiny once compressed
    const accepted: (string | undefined)[] = [];
    const encoders: Record<string, (b: Buffer) => Buffer> = {
      gzip: gzipSync,
      deflate: deflateSync,
      br: brotliCompressSync,
    };
    const server = await serve((req, res) => {
      accepted.push(req.headers['accept-encoding']);
      const [coding = 'gzip', what] = (req.url ?? '').slice(1).split('/');
      const body = (encoders[coding] as (b: Buffer) => Buffer)(what === 'bomb' ? bomb : Buffer.from(json));
      res.writeHead(200, { 'Content-Type': 'application/fhir+json', 'Content-Encoding': coding });
      res.end(body);
    });
    const get = client();
    for (const coding of ['gzip', 'deflate', 'br']) {
      const answer = await get(server.url(`/${coding}/json`), { Accept: 'application/fhir+json' }, never);
      expect(Buffer.from(await answer.bytes(10_000)).toString('utf8')).toBe(json);
    }
    expect(accepted[0]).toBe('gzip, deflate, br');
    const bombed = await get(server.url('/gzip/bomb'), {}, never);
    await expect(bombed.bytes(100_000)).rejects.toBeInstanceOf(BodyTooLarge);
  });

  it('an answer that claims gzip but is not is an error, not a hang', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': 12 });
      res.end('not gzip at all'.slice(0, 12));
    });
    const answer = await client()(server.url('/x'), {}, never);
    await expect(answer.bytes(1_000)).rejects.toThrow();
  });

  it('never follows a redirect', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/elsewhere') throw new Error('followed');
      res.writeHead(302, { Location: '/elsewhere', 'Content-Length': 0 });
      res.end();
    });
    const answer = await client()(server.url('/fhir/Patient'), {}, never);
    expect(answer.status).toBe(302);
    expect(answer.header('location')).toBe('/elsewhere');
  });

  it('refuses a body over the cap, whether declared or streamed, without reading it all', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'Content-Length': 5_000 });
        res.end('x'.repeat(5_000));
        return;
      }
      res.writeHead(200); // chunked: the size is known only by reading
      const chunk = 'y'.repeat(1_000);
      let sent = 0;
      const more = () => {
        while (sent < 1_000 && res.write(chunk)) sent++;
        if (sent < 1_000 && !res.destroyed) res.once('drain', more);
        else res.end();
      };
      more();
    });
    const get = client();
    await expect((await get(server.url('/declared'), {}, never)).bytes(4_999)).rejects.toBeInstanceOf(BodyTooLarge);
    await expect((await get(server.url('/streamed'), {}, never)).bytes(10_000)).rejects.toBeInstanceOf(BodyTooLarge);
  });

  it('stops when the signal aborts, before the answer or in the middle of its body', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/silent') return; // never answers
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('half of it'); // and never the rest
    });
    const get = client();
    const early = new AbortController();
    const pending = get(server.url('/silent'), {}, early.signal);
    setTimeout(() => early.abort(), 20);
    await expect(pending).rejects.toThrow();

    const late = new AbortController();
    const answer = await get(server.url('/half'), {}, late.signal);
    const body = answer.bytes(1_000);
    late.abort();
    await expect(body).rejects.toThrow();

    const already = new AbortController();
    already.abort();
    await expect(get(server.url('/half'), {}, already.signal)).rejects.toThrow();
  });

  it('fails the body when the connection is lost before its end', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('part', () => res.socket?.destroy());
    });
    const answer = await client()(server.url('/x'), {}, never);
    await expect(answer.bytes(1_000)).rejects.toThrow();
  });

  it('a connection lost before the body is read is an error when it is read, never an uncaught one', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('part', () => res.socket?.destroy());
    });
    const answer = await client()(server.url('/x'), {}, never);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the loss happens before anyone reads
    await expect(answer.bytes(1_000)).rejects.toThrow();
  });

  it('a small unwanted body is read to its end, so the connection is used again', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.url === '/error' ? 500 : 200, { 'Content-Type': 'text/plain' });
      res.end(req.url === '/error' ? 'internal error' : 'ok');
    });
    const get = client();
    await (await get(server.url('/error'), {}, never)).discard();
    const answer = await get(server.url('/ok'), {}, never);
    expect(Buffer.from(await answer.bytes(100)).toString('utf8')).toBe('ok');
    expect(server.ports[0]).toBe(server.ports[1]);
  });

  it('goes through HTTP_PROXY when NODE_USE_ENV_PROXY=1, as Node’s own agents do', async () => {
    const proxy = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`proxied ${req.url}`);
    });
    const saved = { use: process.env['NODE_USE_ENV_PROXY'], proxy: process.env['HTTP_PROXY'] };
    process.env['NODE_USE_ENV_PROXY'] = '1';
    process.env['HTTP_PROXY'] = proxy.url('/').origin;
    try {
      const get = client();
      const answer = await get(new URL('http://hospital.example/fhir/Patient'), {}, never);
      expect(Buffer.from(await answer.bytes(1_000)).toString('utf8')).toBe(
        'proxied http://hospital.example/fhir/Patient',
      );
    } finally {
      for (const [key, value] of [
        ['NODE_USE_ENV_PROXY', saved.use],
        ['HTTP_PROXY', saved.proxy],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
