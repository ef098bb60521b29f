/**
 * The e2e suite's independent FHIR R4 server (test/e2e/support/independent-fhir-server.ts), unchanged,
 * behind a small front server on 127.0.0.1 that adds what a benchmark needs: a delay on every
 * call, injected faults (a stall, then an error status), and a log of each call's timing.
 * Absolute URLs in answers (fullUrl, paging links) are rewritten from the inner server's origin to
 * the front's, so the BFF only ever sees the front.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type FhirServerOptions, startFhirServer } from '../../e2e/support/independent-fhir-server.ts';

/** A fault to inject into one call instead of its real answer. */
export interface InjectedFault {
  /** How long to wait before answering. */
  readonly stallMs: number;
  /** The status to answer with (an OperationOutcome body). */
  readonly status: number;
}

export interface UpstreamBehaviour {
  /** Added before every real answer, ms. */
  delayMs: number;
  /** Asked once per call, in arrival order: a fault to answer instead, or undefined for the real answer. */
  fault: ((callIndex: number, path: string) => InjectedFault | undefined) | undefined;
}

export interface CallRecord {
  readonly path: string;
  /** performance.now() at arrival and when the answer was written. */
  readonly arrivedMs: number;
  readonly answeredMs: number;
  readonly status: number;
  /** The delay or stall added to this call. */
  readonly injectedMs: number;
}

export interface FaultyFhirServer {
  /** e.g. `http://127.0.0.1:41234/fhir` */
  readonly baseUrl: string;
  /** Mutable: changes apply to the next call. */
  readonly behaviour: UpstreamBehaviour;
  /** Calls since the last `takeCalls()` (at most `maxLoggedCalls`, the newest kept). */
  takeCalls(): CallRecord[];
  /** Calls answered since start. */
  readonly callCount: () => number;
  close(): Promise<void>;
}

export interface FaultyFhirServerOptions extends FhirServerOptions {
  readonly delayMs?: number;
  readonly fault?: UpstreamBehaviour['fault'];
  /** Bound on the call log kept between `takeCalls()` (default 10,000). */
  readonly maxLoggedCalls?: number;
}

export async function startFaultyFhirServer(options: FaultyFhirServerOptions): Promise<FaultyFhirServer> {
  const inner = await startFhirServer(options);
  const innerUrl = new URL(inner.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const behaviour: UpstreamBehaviour = { delayMs: options.delayMs ?? 0, fault: options.fault };
  const maxLogged = options.maxLoggedCalls ?? 10_000;
  let calls: CallRecord[] = [];
  let callIndex = 0;
  let answered = 0;
  const timers = new Set<NodeJS.Timeout>();
  let outerOrigin = '';

  const later = (ms: number, fn: () => void): void => {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const log = (record: CallRecord): void => {
    answered++;
    calls.push(record);
    if (calls.length > maxLogged) calls = calls.slice(-maxLogged);
    // The inner server logs every request for its tests; here it would only grow.
    const innerLog = inner.requests as string[];
    if (innerLog.length > 1_000) innerLog.length = 0;
  };

  const answer = (res: ServerResponse, status: number, contentType: string, body: string): void => {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const arrivedMs = performance.now();
    const path = req.url ?? '/';
    const fault = behaviour.fault?.(callIndex++, path);
    if (fault) {
      later(fault.stallMs, () => {
        answer(
          res,
          fault.status,
          'application/fhir+json;charset=utf-8',
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'transient', diagnostics: 'injected fault' }],
          }),
        );
        log({ path, arrivedMs, answeredMs: performance.now(), status: fault.status, injectedMs: fault.stallMs });
      });
      return;
    }
    const delayMs = behaviour.delayMs;
    const forward = request(
      { host: innerUrl.hostname, port: innerUrl.port, path, method: req.method, agent, headers: { accept: '*/*' } },
      (innerRes) => {
        const chunks: Buffer[] = [];
        innerRes.on('data', (c: Buffer) => chunks.push(c));
        innerRes.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8').split(innerUrl.origin).join(outerOrigin);
          const status = innerRes.statusCode ?? 502;
          // The delay counts from arrival, so it is what the caller waits for beyond the real work.
          later(delayMs - (performance.now() - arrivedMs), () => {
            answer(res, status, innerRes.headers['content-type'] ?? 'application/fhir+json', body);
            log({ path, arrivedMs, answeredMs: performance.now(), status, injectedMs: delayMs });
          });
        });
      },
    );
    forward.on('error', () => answer(res, 502, 'text/plain', 'inner server failed'));
    forward.end();
  }

  const server = createServer(handle);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  outerOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${outerOrigin}${innerUrl.pathname}`,
    behaviour,
    takeCalls: () => {
      const taken = calls;
      calls = [];
      return taken;
    },
    callCount: () => answered,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      await inner.close();
    },
  };
}
