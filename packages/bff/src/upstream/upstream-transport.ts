import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable, Transform } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** One upstream GET's answer. Its body is read once, by `bytes` or `discard`. */
export interface UpstreamResponse {
  readonly status: number;
  /** A response header, lower-case name; the first value if sent more than once. */
  header(name: string): string | undefined;
  /** The whole body, or BodyTooLarge (and nothing more read) past `maxBytes`. */
  bytes(maxBytes: number): Promise<Uint8Array>;
  /** The body is not wanted: whatever is left of it is not read. */
  discard(): Promise<void>;
}

/** A GET that never follows redirects and stops when `signal` aborts, with or without its answer. */
export type UpstreamGet = (
  url: URL,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
) => Promise<UpstreamResponse>;

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** An unwanted body up to this size is read to its end so the connection can be kept; a larger one closes it. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

function ignore(): void {}

/** Sent with every call, as `fetch` sends it: large bundles cross the network compressed. */
const ACCEPT_ENCODING = 'gzip, deflate, br';

// Lenient about a missing end-of-stream marker, as fetch is; a body cut short is still caught by its connection.
const LENIENT = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: () => createGunzip(LENIENT),
  'x-gzip': () => createGunzip(LENIENT),
  deflate: () => createInflate(LENIENT),
  br: () => createBrotliDecompress(),
};

/**
 * The decoders that undo a Content-Encoding, last applied first. An unknown coding leaves the
 * bytes as sent, as fetch does (the FHIR client then fails to parse them: 'not-json').
 */
function decodersFor(header: string | undefined): Transform[] {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
  if (!codings.every((c) => c in DECODERS)) return [];
  return codings.map((c) => (DECODERS[c] as () => Transform)());
}

class NodeUpstreamResponse implements UpstreamResponse {
  readonly #message: IncomingMessage;
  constructor(message: IncomingMessage) {
    this.#message = message;
    // Defence: a connection lost before the body is read must never be an uncaught 'error'. `bytes` and
    // `discard` see it through their own listeners, or through 'close' before the end.
    message.on('error', ignore);
  }

  get status(): number {
    return this.#message.statusCode ?? 0;
  }

  header(name: string): string | undefined {
    const value = this.#message.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  bytes(maxBytes: number): Promise<Uint8Array> {
    const message = this.#message;
    // Lost before it was read: its 'close' has passed, so no listener below would ever hear of it.
    if (message.destroyed) return Promise.reject(new Error('the connection closed before the answer was read'));
    if (Number(message.headers['content-length']) > maxBytes) {
      message.destroy();
      return Promise.reject(new BodyTooLarge());
    }
    const decoders = decodersFor(this.header('content-encoding'));
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        message.destroy();
        for (const decoder of decoders) decoder.destroy();
        reject(err);
      };
      // The bytes as sent, through each coding's decoder; the cap counts the decoded bytes (no zip bomb).
      let body: Readable = message;
      for (const decoder of decoders) {
        decoder.on('error', fail);
        body = body.pipe(decoder);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      body.on('data', (chunk: Buffer) => {
        total += chunk.byteLength;
        if (total > maxBytes) fail(new BodyTooLarge());
        else chunks.push(chunk);
      });
      body.once('end', () => resolve(Buffer.concat(chunks, total)));
      message.once('error', reject);
      // Destroyed (aborted, connection lost) before its end: an error unless already settled.
      message.once('close', () => {
        if (!message.complete) reject(new Error('the connection closed before the answer ended'));
      });
    });
  }

  /**
   * Reads what is left to its end (up to DRAIN_LIMIT_BYTES) so the connection goes back to the pool
   * for the next call; past that, or on a declared larger body, the connection is closed instead.
   */
  discard(): Promise<void> {
    const message = this.#message;
    // `complete` is not enough: a body that arrived whole still waits, unread, in the stream.
    if (message.destroyed || message.readableEnded) return Promise.resolve();
    if (Number(message.headers['content-length']) > DRAIN_LIMIT_BYTES) {
      message.destroy();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let drained = 0;
      message.on('data', (chunk: Buffer) => {
        drained += chunk.byteLength;
        if (drained > DRAIN_LIMIT_BYTES) message.destroy();
      });
      message.once('end', resolve);
      message.once('close', resolve);
    });
  }
}

export interface NodeHttpGetOptions {
  /** Connections kept per source origin at most (requests beyond wait for one). */
  readonly maxSocketsPerOrigin?: number;
}

/**
 * Upstream GETs over node:http and node:https with keep-alive connections. Not `fetch`: for the
 * same calls undici's fetch took over twice the CPU and kept each call's objects alive long enough
 * to be promoted, so that the young-generation collections paused the event loop for 15–25 ms
 * (bench: upstream latency pass-through). `NODE_USE_ENV_PROXY=1` sends calls through the
 * `HTTP_PROXY`/`HTTPS_PROXY` given (`NO_PROXY` honoured), as it does for Node's own agents.
 */
export function nodeHttpGet(options: NodeHttpGetOptions = {}): UpstreamGet & { close(): void } {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSocketsPerOrigin ?? 64,
    ...(process.env['NODE_USE_ENV_PROXY'] === '1' ? { proxyEnv: process.env } : {}),
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const get: UpstreamGet = (url, headers, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        return;
      }
      // Late-bound (http.request, not an imported binding) so a test's interceptor is the one called.
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(url, {
        method: 'GET',
        headers: { 'Accept-Encoding': ACCEPT_ENCODING, ...headers },
        agent: secure ? agents.https : agents.http,
        signal,
      });
      request.once('response', (message) => resolve(new NodeUpstreamResponse(message)));
      // `on`, not `once`: a second error (after the answer, or after an abort) must not go uncaught.
      request.on('error', reject);
      request.end();
    });
  return Object.assign(get, {
    close(): void {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
