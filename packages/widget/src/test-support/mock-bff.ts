import { http, HttpResponse } from 'msw';
import { setupWorker } from 'msw/browser';
import { problemType, PROBLEM_CODES } from '@care-sidebar/shared';
import type {
  LetterContent,
  ProblemCode,
  ProblemDetails,
  SessionResponse,
  SummaryResponse,
} from '@care-sidebar/shared';

/** A BFF origin that does not exist: anything msw does not answer fails loudly. */
export const BFF_URL = 'https://bff.care-sidebar.test';

export const worker = setupWorker();

/** Serves from the wtr middleware at /mockServiceWorker.js (node_modules/msw/lib), scope the test page. */
export async function startMockBff(): Promise<void> {
  await worker.start({
    serviceWorker: { url: '/mockServiceWorker.js', options: { scope: '/' } },
    onUnhandledFrame: 'error',
    quiet: true,
  });
}

export type Reply = Response | Promise<Response>;

/** POST /api/v1/session, answered per launch token. */
export function onSession(reply: (launch: string) => Reply) {
  return http.post(`${BFF_URL}/api/v1/session`, async ({ request }) => {
    const body = (await request.json()) as { launch: string };
    return reply(body.launch);
  });
}

/** GET /api/v1/summary, answered per bearer token. */
export function onSummary(reply: (token: string) => Reply) {
  return http.get(`${BFF_URL}/api/v1/summary`, ({ request }) => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    return reply(token);
  });
}

/** GET /api/v1/letters/{id}, answered per letter id (as msw decodes it) and bearer token. */
export function onLetter(reply: (id: string, token: string, request: Request) => Reply) {
  return http.get(`${BFF_URL}/api/v1/letters/:id`, ({ params, request }) => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    return reply(String(params['id']), token, request);
  });
}

export function letterReply(body: LetterContent): Response {
  return HttpResponse.json(body);
}

/** A PDF as the BFF sends it: bytes with `application/pdf`, never JSON. */
export function pdfReply(bytes: Uint8Array<ArrayBuffer>): Response {
  return HttpResponse.arrayBuffer(bytes.slice().buffer, { headers: { 'content-type': 'application/pdf' } });
}

/** `date`: the BFF's clock as its `Date` header gives it (a real BFF always sends one). */
export function sessionReply(body: SessionResponse, date?: Date): Response {
  return HttpResponse.json(body, { status: 201, ...(date ? { headers: { date: date.toUTCString() } } : {}) });
}

export function summaryReply(body: SummaryResponse): Response {
  return HttpResponse.json(body);
}

export function problemReply(code: ProblemCode, status: number): Response {
  const body: ProblemDetails = {
    type: problemType(code),
    title: PROBLEM_CODES[code],
    status,
    code,
    requestId: 'req-test-1',
  };
  return HttpResponse.json(body, { status, headers: { 'content-type': 'application/problem+json' } });
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(): void;
}

const unreleased = new Set<() => void>();

/** A gate a handler can wait on. Gates a failed test left shut are opened by `releaseGates`. */
export function deferred(): Deferred<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const release = () => {
    unreleased.delete(release);
    resolve();
  };
  unreleased.add(release);
  return { promise, resolve: release };
}

/** Opens every gate still shut, so no handler keeps the worker busy after its test. */
export function releaseGates(): void {
  for (const release of [...unreleased]) release();
}
