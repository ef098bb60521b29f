/**
 * An HTTP proxy in front of a FHIR server whose behaviour a test switches at run time: `normal`
 * passes every GET through, `slow` holds each request for `slowMs` first (past the BFF's per-call
 * limit), `down` answers 503. The upstream's own base URL in a body (fullUrl, paging links) is
 * rewritten to the proxy's, so the BFF sees one consistent server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'normal' | 'slow' | 'down';

export interface SwitchableProxy {
  /** The proxy's equivalent of the upstream base URL, e.g. `http://127.0.0.1:41235/fhir`. */
  readonly baseUrl: string;
  mode: ProxyMode;
  close(): Promise<void>;
}

export async function startSwitchableProxy(upstreamBaseUrl: string, slowMs = 4_000): Promise<SwitchableProxy> {
  const upstream = new URL(upstreamBaseUrl);
  let baseUrl = '';
  const state: { mode: ProxyMode } = { mode: 'normal' };

  async function forward(req: IncomingMessage, res: ServerResponse, gone: AbortSignal): Promise<void> {
    if (state.mode === 'down') {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('unavailable');
      return;
    }
    if (state.mode === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, slowMs);
        gone.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (gone.aborted) return;
    }
    const answer = await fetch(`${upstream.origin}${req.url ?? '/'}`, { method: req.method ?? 'GET', signal: gone });
    const body = (await answer.text()).replaceAll(upstreamBaseUrl, baseUrl);
    res.writeHead(answer.status, {
      'Content-Type': answer.headers.get('content-type') ?? 'application/octet-stream',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    forward(req, res, gone.signal).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('bad gateway');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}${upstream.pathname.replace(/\/+$/, '')}`;

  return {
    baseUrl,
    get mode() {
      return state.mode;
    },
    set mode(mode: ProxyMode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
