import { isProblemCode } from '@care-sidebar/shared';
import type {
  LetterContent,
  ProblemCode,
  SessionRequest,
  SessionResponse,
  SummaryResponse,
} from '@care-sidebar/shared';

/** The BFF answered with an RFC 9457 problem (or an error status without one: `internal-error`). */
export class BffProblemError extends Error {
  override readonly name = 'BffProblemError';
  readonly code: ProblemCode;
  readonly status: number;
  constructor(code: ProblemCode, status: number, options?: ErrorOptions) {
    super(code, options);
    this.code = code;
    this.status = status;
  }
}

/** The BFF could not be reached: fetch itself failed (offline, DNS, CORS, TLS). */
export class BffNetworkError extends Error {
  override readonly name = 'BffNetworkError';
}

/** The BFF answered 2xx with a body that is not the contract's shape. */
export class BffResponseError extends Error {
  override readonly name = 'BffResponseError';
}

export interface BffClientOptions {
  /** Defaults to the global fetch, looked up at call time. */
  readonly fetch?: typeof fetch;
}

/** A letter as the BFF sends it: HTML or plain text to show in the reader, or PDF bytes to hand to the browser. */
export type LetterAnswer =
  { readonly kind: 'content'; readonly letter: LetterContent } | { readonly kind: 'pdf'; readonly pdf: Blob };

const ACCEPT_JSON = 'application/json, application/problem+json';

/** A started session: the BFF's answer, and how far the BFF's clock is ahead of this browser's. */
export interface StartedSession extends SessionResponse {
  /**
   * BFF clock − browser clock, in ms, read from the answer's `Date` header; 0 when the header is
   * missing or the two agree to within what it can tell (its whole seconds plus the round trip).
   * `expiresAt` is the BFF's time: a browser clock that is wrong must not end the session late.
   */
  readonly bffClockAheadMs: number;
}

/** Below this the Date header (whole seconds, sent mid-round-trip) cannot tell skew from noise. */
const CLOCK_SKEW_NOISE_MS = 2_000;

/** How far the clock that wrote `dateHeader` is ahead of this one, from a request sent and answered at the times given. */
export function clockAheadMs(dateHeader: string | null, sentAt: number, receivedAt: number): number {
  const stamped = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  if (Number.isNaN(stamped)) return 0;
  // The header drops milliseconds, so the BFF's time lay somewhere in [stamped, stamped + 1 s).
  const ahead = Math.round(stamped + 500 - (sentAt + receivedAt) / 2);
  return Math.abs(ahead) < CLOCK_SKEW_NOISE_MS ? 0 : ahead;
}

/**
 * The calls of the BFF contract (DESIGN §3.2). No cookies and no HTTP cache: the session
 * token lives only in the caller's memory and clinical data is never stored by the browser.
 */
export class BffClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, options: BffClientOptions = {}) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async startSession(launch: string, signal: AbortSignal): Promise<StartedSession> {
    const body: SessionRequest = { launch };
    const sentAt = Date.now();
    const response = await this.#send('/api/v1/session', signal, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT_JSON },
      body: JSON.stringify(body),
    });
    const receivedAt = Date.now();
    const json = await readBody<unknown>(response.json(), signal);
    if (!isSessionResponse(json)) throw new BffResponseError('session response has an unexpected shape');
    return { ...json, bffClockAheadMs: clockAheadMs(response.headers.get('date'), sentAt, receivedAt) };
  }

  /** `fresh` asks the BFF to bypass its cache (it allows that once per 30 s per session). */
  async summary(token: string, signal: AbortSignal, fresh = false): Promise<SummaryResponse> {
    const json = await this.#request(fresh ? '/api/v1/summary?refresh=true' : '/api/v1/summary', signal, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: ACCEPT_JSON },
    });
    if (!isSummaryResponse(json)) throw new BffResponseError('summary response has an unexpected shape');
    return json;
  }

  /** `GET /api/v1/letters/{id}`: JSON for HTML and plain text, `application/pdf` bytes for a PDF. */
  async letter(token: string, id: string, signal: AbortSignal): Promise<LetterAnswer> {
    const response = await this.#send(`/api/v1/letters/${encodeURIComponent(id)}`, signal, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: `application/pdf, ${ACCEPT_JSON}` },
    });
    if (/^application\/pdf\s*(;|$)/i.test(response.headers.get('content-type') ?? '')) {
      const bytes = await readBody(response.arrayBuffer(), signal);
      // Typed by us, not by the response: the browser must only ever treat these bytes as a PDF.
      if (!looksLikePdf(bytes)) throw new BffResponseError('letter body is not a PDF');
      return { kind: 'pdf', pdf: new Blob([bytes], { type: 'application/pdf' }) };
    }
    const json: unknown = await readBody(response.json(), signal);
    // The id check means a mixed-up answer can never show another letter under this one's title.
    if (!isLetterContent(json) || json.id !== id) throw new BffResponseError('letter response has an unexpected shape');
    return { kind: 'content', letter: json };
  }

  async #request(path: string, signal: AbortSignal, init: RequestInit): Promise<unknown> {
    return readBody<unknown>((await this.#send(path, signal, init)).json(), signal);
  }

  async #send(path: string, signal: AbortSignal, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        ...init,
        signal,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      if (signal.aborted) throw err; // an abort is the caller's decision, not a network failure
      throw new BffNetworkError('the BFF could not be reached', { cause: err });
    }
    if (!response.ok) throw await toProblemError(response);
    return response;
  }
}

async function readBody<T>(body: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await body;
  } catch (err) {
    if (signal.aborted) throw err;
    throw new BffResponseError('response body could not be read', { cause: err });
  }
}

// ISO 32000-1 §7.5.2: the file starts with "%PDF-"; readers tolerate up to 1024 bytes before it.
function looksLikePdf(bytes: ArrayBuffer): boolean {
  const head = String.fromCharCode(...new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 1024)));
  return head.includes('%PDF-');
}

async function toProblemError(response: Response): Promise<BffProblemError> {
  const body: unknown = await response.json().catch(() => undefined);
  const code = isRecord(body) && isProblemCode(body['code']) ? body['code'] : 'internal-error';
  return new BffProblemError(code, response.status);
}

// Shape checks guard the fields the widget's safety depends on, not every field.
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function hasNhsNumber(value: unknown): boolean {
  return isRecord(value) && typeof value['nhsNumber'] === 'string';
}

function isSection(value: unknown): boolean {
  return (
    isRecord(value) &&
    (value['status'] === 'ok' || value['status'] === 'partial' || value['status'] === 'unavailable') &&
    Array.isArray(value['items']) &&
    Array.isArray(value['sources'])
  );
}

function isSessionResponse(value: unknown): value is SessionResponse {
  return isRecord(value) && typeof value['token'] === 'string' && hasNhsNumber(value['patient']);
}

function isLetterContent(value: unknown): value is LetterContent {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['title'] === 'string' &&
    isRecord(value['source']) &&
    typeof value['source']['name'] === 'string' &&
    (value['date'] === undefined || typeof value['date'] === 'string') &&
    (value['contentType'] === 'text/html' || value['contentType'] === 'text/plain') &&
    typeof value['content'] === 'string'
  );
}

function isSummaryResponse(value: unknown): value is SummaryResponse {
  if (!isRecord(value) || !hasNhsNumber(value['patient'])) return false;
  if (value['kind'] === 'opted-out') return true;
  return (
    value['kind'] === 'summary' &&
    isSection(value['flags']) &&
    isSection(value['results']) &&
    isRecord(value['results']) &&
    Array.isArray(value['results']['history']) &&
    isSection(value['letters'])
  );
}
