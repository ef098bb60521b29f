import { isProblemCode } from '@care-sidebar/shared';
import type { ProblemCode, SessionRequest, SessionResponse, SummaryResponse } from '@care-sidebar/shared';

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

/**
 * The two calls of the BFF contract (DESIGN §3.2). No cookies and no HTTP cache: the session
 * token lives only in the caller's memory and clinical data is never stored by the browser.
 */
export class BffClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, options: BffClientOptions = {}) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async startSession(launch: string, signal: AbortSignal): Promise<SessionResponse> {
    const body: SessionRequest = { launch };
    const json = await this.#request('/api/v1/session', signal, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
    });
    if (!isSessionResponse(json)) throw new BffResponseError('session response has an unexpected shape');
    return json;
  }

  async summary(token: string, signal: AbortSignal): Promise<SummaryResponse> {
    const json = await this.#request('/api/v1/summary', signal, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json, application/problem+json' },
    });
    if (!isSummaryResponse(json)) throw new BffResponseError('summary response has an unexpected shape');
    return json;
  }

  async #request(path: string, signal: AbortSignal, init: RequestInit): Promise<unknown> {
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
    try {
      return await response.json();
    } catch (err) {
      if (signal.aborted) throw err;
      throw new BffResponseError('response body is not JSON', { cause: err });
    }
  }
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

function isSummaryResponse(value: unknown): value is SummaryResponse {
  if (!isRecord(value) || !hasNhsNumber(value['patient'])) return false;
  if (value['kind'] === 'opted-out') return true;
  return (
    value['kind'] === 'summary' &&
    isSection(value['flags']) &&
    isSection(value['results']) &&
    isSection(value['letters'])
  );
}
