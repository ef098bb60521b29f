/**
 * The demo page's control endpoint for the mocked hospital sources, served by the demo's Vite
 * dev server (same process as msw, so it flips the same fault state). Demo only: `npm run demo`
 * adds it; the BFF knows nothing of it.
 *
 *   GET  /__demo/sources        → 200 [{id, name, mode}]
 *   POST /__demo/sources/:id    {"mode": "normal" | "slow" | "flaky" | "down" | "hang"} → 200 {id, name, mode}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connect, Plugin } from 'vite';
import { DEMO_CONTROLS_PATH, isSourceMode, SOURCE_MODES, type SourceFaults } from './mocks/source-faults.ts';

export { DEMO_CONTROLS_PATH };

/** Bodies larger than this are refused (a mode is a few bytes). */
const MAX_BODY_BYTES = 4096;

export interface ControlRequest {
  readonly method: string;
  /** Path and query, as in `IncomingMessage.url`. */
  readonly url: string;
  readonly contentType?: string | undefined;
  /** The `Origin` header, when the browser sent one. */
  readonly origin?: string | undefined;
  /** The `Host` header. */
  readonly host?: string | undefined;
  readonly body?: string | undefined;
}

export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

function error(status: number, message: string, headers?: Record<string, string>): ControlResponse {
  return { status, body: { error: message }, ...(headers ? { headers } : {}) };
}

function pathOf(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? '';
}

/** Whether a request URL (path and query) is the endpoint's. */
export function isControlPath(url: string): boolean {
  const path = pathOf(url);
  return path === DEMO_CONTROLS_PATH || path.startsWith(`${DEMO_CONTROLS_PATH}/`);
}

/**
 * The endpoint's request handling, without HTTP: undefined when the path is not the endpoint's
 * (the dev server goes on to serve the page). A cross-origin request is refused, and a POST must
 * be `application/json`, which a cross-site form cannot send.
 */
export function handleControlRequest(faults: SourceFaults, req: ControlRequest): ControlResponse | undefined {
  if (!isControlPath(req.url)) return undefined;
  const path = pathOf(req.url);

  if (req.origin !== undefined && req.origin !== `http://${req.host ?? ''}`) {
    return error(403, 'the demo controls answer only the demo page');
  }

  if (path === DEMO_CONTROLS_PATH || path === `${DEMO_CONTROLS_PATH}/`) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(405, 'use GET', { Allow: 'GET, HEAD' });
    return { status: 200, body: faults.list() };
  }

  let id: string;
  try {
    id = decodeURIComponent(path.slice(DEMO_CONTROLS_PATH.length + 1));
  } catch {
    return error(400, 'malformed source id');
  }
  if (id.includes('/')) return error(404, 'not found');
  if (req.method !== 'POST') return error(405, 'use POST', { Allow: 'POST' });
  if (!/^application\/json\s*(;|$)/i.test(req.contentType ?? '')) {
    return error(415, 'send application/json: {"mode": "…"}');
  }
  if (!faults.has(id)) return error(400, `unknown source ${JSON.stringify(id)}`);
  let body: unknown;
  try {
    body = JSON.parse(req.body ?? '');
  } catch {
    return error(400, 'the body is not JSON');
  }
  const mode = typeof body === 'object' && body !== null && 'mode' in body ? body.mode : undefined;
  if (!isSourceMode(mode)) return error(400, `mode must be one of ${SOURCE_MODES.join(', ')}`);
  return { status: 200, body: faults.setMode(id, mode) };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: ControlResponse, head: boolean): void {
  const json = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...answer.headers,
  });
  res.end(head ? undefined : json);
}

/** Connect middleware for the endpoint; anything else goes on to `next`. */
export function demoControlsMiddleware(faults: SourceFaults): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = req.url ?? '';
    if (!isControlPath(url)) {
      next();
      return;
    }
    const request = {
      method: req.method ?? 'GET',
      url,
      contentType: req.headers['content-type'],
      origin: req.headers.origin,
      host: req.headers.host,
    };
    const head = request.method === 'HEAD';
    readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        const answer = handleControlRequest(faults, { ...request, body });
        if (answer) send(res, answer, head);
        else next();
      },
      (err: unknown) => {
        if (err instanceof BodyTooLarge) send(res, error(413, 'body too large'), head);
        else next(err);
      },
    );
  };
}

/** An inline Vite plugin that serves the endpoint from the dev server (never from a build). */
export function demoControlsPlugin(faults: SourceFaults): Plugin {
  return {
    name: 'care-sidebar:demo-source-controls',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use(demoControlsMiddleware(faults));
    },
  };
}
