import type { Bundle, Resource } from '@medplum/fhirtypes';
import { AbortScope } from './abort-scope.ts';
import { withDecimalText } from './decimal-text.ts';
import type { CircuitBreaker, RetryBudget } from './circuit-breaker.ts';
import type { OptionalParameterSupport } from './optional-parameter-support.ts';
import type { SourceAuth } from './source-auth.ts';
import { BodyTooLarge, type UpstreamGet, type UpstreamResponse } from './upstream-transport.ts';

/** Why a source's answer could not be used. Values, not messages: they go to logs and audit. */
export type UpstreamFailure =
  | 'timeout'
  | 'network'
  | 'http-status'
  | 'redirect'
  | 'not-json'
  | 'not-a-bundle'
  | 'too-large'
  | 'foreign-link'
  | 'ambiguous-patient'
  | 'auth-unavailable'
  | 'circuit-open'
  /** The caller stopped needing the answer (another part of the same record had failed). */
  | 'cancelled';

const RETRYABLE: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 2_000;

function jitterMs(): number {
  return 100 + Math.floor(Math.random() * 200);
}

/** The wait before a retry, or undefined when the server asks for longer than we will wait. */
function retryDelayMs(response: UpstreamResponse): number | undefined {
  const header = response.header('retry-after');
  if (header === undefined) return jitterMs();
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms)) return jitterMs();
  return ms <= MAX_RETRY_AFTER_MS ? Math.max(0, ms) : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const onAbort = () => (clearTimeout(timer), reject(new Error('aborted')));
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The bytes as text, read in place (no copy). */
function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** An attachment's bytes and declared type. */
export interface BinaryContent {
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

export interface SearchResult {
  readonly resources: Resource[];
  /** true when the page cap stopped the search before the last page. */
  readonly truncated: boolean;
  /** Bytes of the pages the resources came from (not of answers discarded on the way: a forgotten search's pages). */
  readonly bytes: number;
}

/** A GET's answer, and the scope of its signal: released once the body has been read or cancelled. */
interface Answer {
  readonly response: UpstreamResponse;
  readonly scope: AbortScope;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly failure: UpstreamFailure;
  readonly httpStatus: number | undefined;
  /**
   * The answer refused was a search's `next` page, not its first: the search itself was answered,
   * so this says nothing about whether the server offers the type or the parameters searched.
   */
  readonly laterPage: boolean;
  constructor(failure: UpstreamFailure, options?: ErrorOptions & { httpStatus?: number; laterPage?: boolean }) {
    super(failure, options);
    this.failure = failure;
    this.httpStatus = options?.httpStatus;
    this.laterPage = options?.laterPage ?? false;
  }
}

export interface FhirClientOptions {
  readonly baseUrl: string;
  readonly get: UpstreamGet;
  readonly signal: AbortSignal;
  /** Credentials for the source; a 401 makes it fetch a fresh token, then the request is retried once. */
  readonly auth?: SourceAuth;
  /** Each HTTP call's own time limit, inside the overall `signal`. */
  readonly callTimeoutMs?: number;
  /**
   * Aborted when the caller no longer needs any answer: calls in flight stop, are not retried and
   * count neither for nor against the source's breaker (the source did nothing wrong).
   */
  readonly cancel?: AbortSignal;
  /** The source's breaker and retry budget, shared by all its requests. */
  readonly breaker?: CircuitBreaker;
  readonly retryBudget?: RetryBudget;
  /** The source's memory of the resource types it searches only without optional parameters. */
  readonly optionalParameters?: OptionalParameterSupport;
  /** Per response body. */
  readonly maxBytes?: number;
  /** Per search, following Bundle.link[next]. */
  readonly maxPages?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_PAGES = 10;

/**
 * A minimal FHIR R4 search client over plain GETs (`UpstreamGet`). It never follows redirects or
 * `next` links that leave the configured base URL, so the source's credentials are never sent elsewhere.
 */
export class FhirClient {
  readonly #options: FhirClientOptions;
  readonly #base: URL;
  /** Bundle entries skipped as malformed (no resource, or a resource without a resourceType). */
  skippedEntries = 0;

  constructor(options: FhirClientOptions) {
    this.#options = options;
    this.#base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  }

  /**
   * Runs a search and follows `next` links up to the page cap; returns every entry resource and
   * whether the cap cut it short. `optional` parameters (sorting, includes) are dropped and the
   * search retried once if the server refuses them with 400, as strict servers may; the source
   * then remembers it (`optionalParameters`) and is searched without them for a while.
   */
  async search(
    resourceType: string,
    params: Readonly<Record<string, string>>,
    optional: Readonly<Record<string, string>> = {},
  ): Promise<SearchResult> {
    const memory = this.#options.optionalParameters;
    if (Object.keys(optional).length === 0 || memory?.accepted(resourceType) === false) {
      return this.#search(resourceType, params);
    }
    try {
      return await this.#search(resourceType, { ...params, ...optional });
    } catch (err) {
      if (err instanceof UpstreamError && err.failure === 'http-status' && err.httpStatus === 400 && !err.laterPage) {
        const result = await this.#search(resourceType, params);
        // Only now is it known that the optional parameters, not the rest, were refused.
        memory?.refused(resourceType);
        return result;
      }
      throw err;
    }
  }

  /**
   * A server may forget a search's result set before its next page is asked for (HAPI FHIR answers
   * the `next` link with 410 Gone under load or after its cache expiry): the search is then run
   * once more from its first page, as a retry against the source's retry budget. The pages already
   * read are discarded, never mixed with the new ones: the set may have changed in between.
   */
  async #search(resourceType: string, params: Readonly<Record<string, string>>): Promise<SearchResult> {
    const url = new URL(resourceType, this.#base);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    try {
      return await this.#pages(url);
    } catch (err) {
      const { retryBudget } = this.#options;
      if (!(err instanceof SearchForgotten) || !(retryBudget?.canRetry() ?? true)) throw unwrapForgotten(err);
      retryBudget?.recordCall(true);
      try {
        return await this.#pages(url);
      } catch (again) {
        // The search had been answered before it was forgotten: even its re-run's first page refused
        // says nothing of whether the server offers what was searched.
        throw asLaterPage(unwrapForgotten(again));
      }
    }
  }

  /** The search at `url` and its `next` pages, up to the page cap. */
  async #pages(url: URL): Promise<SearchResult> {
    const resources: Resource[] = [];
    let skipped = 0;
    let bytes = 0;
    const maxPages = this.#options.maxPages ?? DEFAULT_MAX_PAGES;
    let next: URL | undefined = url;
    for (let page = 0; next; page++) {
      if (page >= maxPages) {
        this.skippedEntries += skipped;
        return { resources, truncated: true, bytes };
      }
      let bundle: Bundle;
      try {
        const answer = await this.#getBundle(next);
        bundle = answer.bundle;
        bytes += answer.bytes;
      } catch (err) {
        if (page === 0) throw err;
        if (err instanceof UpstreamError && err.failure === 'http-status' && err.httpStatus === 410) {
          throw new SearchForgotten(asLaterPage(err) as UpstreamError);
        }
        throw asLaterPage(err);
      }
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource as { resourceType?: unknown } | undefined;
        if (resource && typeof resource.resourceType === 'string') resources.push(entry.resource as Resource);
        else skipped++;
      }
      const link = bundle.link?.find((l) => l.relation === 'next')?.url;
      next = link ? this.#sameBase(link) : undefined;
    }
    this.skippedEntries += skipped;
    return { resources, truncated: false, bytes };
  }

  /**
   * Fetches an attachment URL (absolute on this source, or relative like `Binary/123`). A FHIR
   * Binary resource in JSON is unwrapped; anything else is taken as the raw content.
   */
  async getBinary(link: string, accept: string): Promise<BinaryContent> {
    const url = this.#sameBase(link);
    const answer = await this.#fetchWithAuth(url, `${accept}, application/fhir+json;q=0.5`);
    const { response } = answer;
    const bytes = await this.#readBody(answer);
    const declared = (response.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (declared === 'application/fhir+json' || declared === 'application/json') {
      let binary: { resourceType?: unknown; contentType?: unknown; data?: unknown };
      try {
        binary = JSON.parse(utf8(bytes)) as typeof binary;
      } catch (err) {
        throw new UpstreamError('not-json', { cause: err });
      }
      if (binary.resourceType !== 'Binary' || typeof binary.data !== 'string') throw new UpstreamError('not-a-bundle');
      return {
        contentType: typeof binary.contentType === 'string' ? binary.contentType : accept,
        bytes: Buffer.from(binary.data, 'base64'),
      };
    }
    return { contentType: declared || accept, bytes };
  }

  #sameBase(link: string): URL {
    let url: URL;
    try {
      url = new URL(link, this.#base);
    } catch (err) {
      throw new UpstreamError('foreign-link', { cause: err });
    }
    if (url.origin !== this.#base.origin || !url.pathname.startsWith(this.#base.pathname.replace(/\/$/, ''))) {
      throw new UpstreamError('foreign-link');
    }
    return url;
  }

  async #getBundle(url: URL): Promise<{ bundle: Bundle; bytes: number }> {
    const { body, bytes } = await this.#getJson(url);
    if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Bundle') {
      throw new UpstreamError('not-a-bundle');
    }
    return { bundle: body as Bundle, bytes };
  }

  /**
   * One GET, through the source's circuit breaker, with at most one retry for a network error,
   * 502, 503, 504 or 429 (honouring Retry-After up to 2 s), when the retry budget allows.
   * GETs are idempotent, so a retry cannot change anything upstream.
   */
  async #send(url: URL, accept: string): Promise<Answer> {
    const { breaker, cancel } = this.#options;
    if (cancel?.aborted) throw new UpstreamError('cancelled');
    if (breaker && !breaker.allow()) throw new UpstreamError('circuit-open');
    const scope = new AbortScope([this.#options.signal, cancel], this.#options.callTimeoutMs);
    try {
      return { response: await this.#attempts(url, accept, scope.signal), scope };
    } catch (err) {
      scope.release();
      throw err;
    }
  }

  /** The GET and its one retry, all within `signal` (the call's scope). */
  async #attempts(url: URL, accept: string, signal: AbortSignal): Promise<UpstreamResponse> {
    const { breaker, retryBudget, cancel } = this.#options;
    const cancelled = (cause?: unknown) => {
      breaker?.abandon();
      return new UpstreamError('cancelled', { cause });
    };
    for (let attempt = 0; ; attempt++) {
      retryBudget?.recordCall(attempt > 0);
      let auth: Record<string, string> | undefined;
      try {
        auth = await this.#options.auth?.headers(signal);
      } catch (err) {
        if (cancel?.aborted) throw cancelled(err);
        breaker?.record(true);
        throw err;
      }
      const headers: Record<string, string> = { Accept: accept, ...auth };
      let response: UpstreamResponse;
      try {
        response = await this.#options.get(url, headers, signal);
      } catch (err) {
        if (cancel?.aborted) throw cancelled(err);
        const failure = new UpstreamError(signal.aborted ? 'timeout' : 'network', { cause: err });
        if (!signal.aborted && attempt === 0 && (retryBudget?.canRetry() ?? false)) {
          await sleep(jitterMs(), signal).catch(() => undefined);
          if (cancel?.aborted) throw cancelled();
          if (!signal.aborted) continue;
        }
        breaker?.record(true);
        throw failure;
      }
      const delay = attempt === 0 && RETRYABLE.has(response.status) ? retryDelayMs(response) : undefined;
      if (delay !== undefined && (retryBudget?.canRetry() ?? false)) {
        await response.discard();
        await sleep(delay, signal).catch(() => undefined);
        if (cancel?.aborted) throw cancelled();
        if (!signal.aborted) continue;
        breaker?.record(true);
        throw new UpstreamError('timeout');
      }
      breaker?.record(response.status >= 500 || response.status === 429);
      return response;
    }
  }

  async #fetchWithAuth(url: URL, accept: string): Promise<Answer> {
    let answer = await this.#send(url, accept);
    if (answer.response.status === 401 && this.#options.auth) {
      // The cached token may have been revoked: one fresh token, one retry, no loop.
      await this.#discard(answer);
      this.#options.auth.invalidate();
      answer = await this.#send(url, accept);
    }
    const { status } = answer.response;
    if (status >= 300 && status < 400) {
      await this.#discard(answer);
      throw new UpstreamError('redirect', { httpStatus: status });
    }
    if (status < 200 || status >= 300) {
      await this.#discard(answer);
      throw new UpstreamError('http-status', { httpStatus: status });
    }
    return answer;
  }

  /** An answer not to be read: its body is cancelled and its scope released. */
  async #discard({ response, scope }: Answer): Promise<void> {
    try {
      await response.discard();
    } finally {
      scope.release();
    }
  }

  async #getJson(url: URL): Promise<{ body: unknown; bytes: number }> {
    const raw = await this.#readBody(await this.#fetchWithAuth(url, 'application/fhir+json'));
    try {
      // Decimals keep the precision the source wrote (`4.0` stays `4.0`), beside their number.
      return { body: JSON.parse(withDecimalText(utf8(raw))) as unknown, bytes: raw.byteLength };
    } catch (err) {
      throw new UpstreamError('not-json', { cause: err });
    }
  }

  /** The answer's body, read within its call's limits; its scope is released after. */
  async #readBody({ response, scope }: Answer): Promise<Uint8Array> {
    try {
      return await this.#readCappedBytes(response, scope.signal);
    } finally {
      scope.release();
    }
  }

  // Reads the body with a byte cap so a huge or endless upstream cannot exhaust memory.
  async #readCappedBytes(response: UpstreamResponse, callSignal: AbortSignal): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = await response.bytes(this.#options.maxBytes ?? DEFAULT_MAX_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new UpstreamError('too-large', { cause: err });
      if (this.#options.cancel?.aborted) throw new UpstreamError('cancelled', { cause: err });
      throw new UpstreamError(callSignal.aborted ? 'timeout' : 'network', { cause: err });
    }
    return bytes;
  }
}

/** A `next` page answered 410 Gone: the server no longer holds the search's result set. */
class SearchForgotten extends Error {
  override readonly name = 'SearchForgotten';
  readonly failure: UpstreamError;
  constructor(failure: UpstreamError) {
    super('the server forgot the search between pages', { cause: failure });
    this.failure = failure;
  }
}

/** An HTTP status refusal marked as one of a search already answered (`laterPage`); anything else as it is. */
function asLaterPage(err: unknown): unknown {
  if (!(err instanceof UpstreamError) || err.failure !== 'http-status' || err.laterPage) return err;
  const status = err.httpStatus === undefined ? {} : { httpStatus: err.httpStatus };
  return new UpstreamError('http-status', { ...status, laterPage: true, cause: err });
}

function unwrapForgotten(err: unknown): unknown {
  return err instanceof SearchForgotten ? err.failure : err;
}
