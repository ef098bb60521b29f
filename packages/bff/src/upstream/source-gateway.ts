import type { SourceAnswer } from '@care-sidebar/shared';
import type { SourceCache } from '../cache/source-cache.ts';
import type { Config, SourceConfig } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Metrics, UpstreamOperation, UpstreamOutcome } from '../metrics/metrics.ts';
import { AbortScope } from './abort-scope.ts';
import { fetchSourceRecord } from './fetch-source-record.ts';
import { ChainedSearchSupport } from './chained-search-support.ts';
import { type BreakerState, CircuitBreaker, RetryBudget } from './circuit-breaker.ts';
import { type BinaryContent, FhirClient, UpstreamError } from './fhir-client.ts';
import { OptionalParameterSupport } from './optional-parameter-support.ts';
import { ResourceTypeSupport } from './resource-type-support.ts';
import type { UpstreamGet } from './upstream-transport.ts';
import { NO_AUTH, privateKeyJwtAuth, type SourceAuth } from './source-auth.ts';

/** Letters larger than this are not fetched. */
const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** How long past the summary deadline a source's aborted calls get to report before it is given up on. */
const DEADLINE_GRACE_MS = 250;

/**
 * `work`, or a timeout `graceMs` after `deadline` aborts. The abort normally ends a source's calls
 * at once; this is the bound that holds even if something in a call ignores it, so one source can
 * never hold a view (or the views sharing its fetch) past the deadline.
 */
function settledAfter<T>(work: Promise<T>, deadline: AbortSignal, graceMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => {};
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => (timer = setTimeout(() => reject(new UpstreamError('timeout')), graceMs));
    if (deadline.aborted) onAbort();
    else deadline.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, expired]).finally(() => {
    clearTimeout(timer);
    deadline.removeEventListener('abort', onAbort);
  });
}

export interface SourceGatewayDeps {
  readonly sources: readonly SourceConfig[];
  /** PEM keys for private_key_jwt sources, by source id. */
  readonly sourceKeys: ReadonlyMap<string, string>;
  readonly cache: SourceCache;
  /** For FHIR calls. */
  readonly get: UpstreamGet;
  /** For source token endpoints (private_key_jwt), which are few and POSTs. */
  readonly fetch: typeof fetch;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly limits: Config['upstream'];
  /**
   * How long a source's answer that it has no Consent (or RiskAssessment) is taken, so the type is
   * not asked for: the cache TTL, the bound on how long a cached record's consents are believed.
   * 0 (the default) asks every time.
   */
  readonly notOfferedMemoryMs?: number;
  /** Counts and times each upstream call by source and outcome. */
  readonly metrics?: Metrics;
}

/** FHIR dates may be partial ("1957", "1957-03"): compare at the precision both carry. */
function sameBirthDate(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  return a.slice(0, length) === b.slice(0, length);
}

export interface PatientContext {
  readonly nhsNumber: string;
  /** From the launch, when the host sent it: a second identifier checked against each source. */
  readonly birthDate?: string;
}

/**
 * Asks every configured source for the patient, in parallel, each within its own deadline.
 * A failing source becomes an `unavailable` answer; it never fails the others.
 */
export function createSourceGateway(deps: SourceGatewayDeps) {
  /** Runs one upstream call and records its outcome and duration; the call's own result or error passes through. */
  async function measured<T>(
    sourceId: string,
    operation: UpstreamOperation,
    call: () => Promise<T>,
    outcomeOf: (value: T) => UpstreamOutcome,
  ): Promise<T> {
    const started = performance.now();
    const done = (outcome: UpstreamOutcome) =>
      deps.metrics?.upstreamCall(sourceId, operation, outcome, (performance.now() - started) / 1000);
    try {
      const value = await call();
      done(outcomeOf(value));
      return value;
    } catch (err) {
      done(err instanceof UpstreamError ? err.failure : 'error');
      throw err;
    }
  }

  const auths = new Map<string, SourceAuth>(
    deps.sources.map((source) => {
      if (source.auth.type === 'none') return [source.id, NO_AUTH];
      const pem = deps.sourceKeys.get(source.id);
      if (pem === undefined) throw new Error(`sources: no private key loaded for ${source.id}`);
      return [source.id, privateKeyJwtAuth(source.auth, pem, deps)];
    }),
  );

  const nowMs = () => deps.clock().getTime();
  const minutes = (ms: number) => Math.round(ms / 60_000);
  /** One warning line when a source's memory learns something new it refuses (not one per view). */
  const warnOfChange = (source: string, msg: string, fields: Record<string, string | number>) =>
    deps.log({ level: 'warn', msg, source, ...fields });
  /** Each source's breaker, retry budget and memories of what it refused, shared by all its requests. */
  const resilience = new Map(
    deps.sources.map((s) => [
      s.id,
      {
        breaker: new CircuitBreaker({ openMs: deps.limits.breakerOpenMs }),
        retryBudget: new RetryBudget(),
        chainedSearch: new ChainedSearchSupport({
          nowMs,
          onDistrust: (reason, distrustMs) => {
            deps.metrics?.chainedSearchDistrusted(s.id, reason);
            warnOfChange(s.id, 'source chained search not trusted: searching by patient id', {
              reason,
              retryChainingAfterMinutes: minutes(distrustMs),
            });
          },
        }),
        optionalParameters: new OptionalParameterSupport({
          nowMs,
          onRefused: (resourceType, distrustMs) => {
            deps.metrics?.optionalParametersRefused(s.id, resourceType);
            warnOfChange(s.id, 'source refuses optional search parameters: searching without them', {
              resourceType,
              retryParametersAfterMinutes: minutes(distrustMs),
            });
          },
        }),
        // No memory without a cache TTL: such a deployment asks every source for everything, every view.
        ...((deps.notOfferedMemoryMs ?? 0) > 0 && {
          resourceTypes: new ResourceTypeSupport({
            rememberMs: deps.notOfferedMemoryMs ?? 0,
            onNotOffered: (resourceType, rememberMs) => {
              deps.metrics?.resourceTypeNotOffered(s.id, resourceType);
              // A warning: no patient's consents are read at this source while it lasts.
              warnOfChange(s.id, 'source does not offer a resource type: not searching it', {
                resourceType,
                askAgainAfterSeconds: Math.round(rememberMs / 1000),
              });
            },
          }),
        }),
      },
    ]),
  );

  async function ask(source: SourceConfig, patient: PatientContext, requestId: string): Promise<SourceAnswer> {
    const ref = { id: source.id, name: source.name };
    const started = performance.now();
    try {
      const cached = await deps.cache.get(source.id, patient.nhsNumber, async (cacheSignal) => {
        // The deadline belongs to the shared fetch, not to any one request.
        const deadline = new AbortScope([cacheSignal], deps.limits.summaryDeadlineMs);
        const since = new Date(deps.clock());
        since.setUTCMonth(since.getUTCMonth() - deps.limits.resultsWindowMonths);
        const result = await measured(
          source.id,
          'record',
          () =>
            settledAfter(
              fetchSourceRecord(patient.nhsNumber, since, {
                baseUrl: source.fhirBaseUrl,
                get: deps.get,
                signal: deadline.signal,
                callTimeoutMs: source.timeoutMs,
                maxBytes: deps.limits.maxResponseBytes,
                auth: auths.get(source.id) ?? NO_AUTH,
                ...resilience.get(source.id),
              }),
              deadline.signal,
              DEADLINE_GRACE_MS,
            ),
          (r) => r.status,
        ).finally(() => deadline.release());
        // Logged once per upstream fetch, not per view: a view served from the cache adds no line here.
        deps.log({
          level: 'info',
          msg: 'source answered',
          requestId,
          source: source.id,
          outcome: result.status,
          // Malformed entries are skipped, never shown half-read; counted so operators can see them.
          skippedEntries: result.status === 'ok' ? result.skippedEntries : 0,
          latencyMs: Math.round(performance.now() - started),
        });
        return { sourceId: source.id, nhsNumber: patient.nhsNumber, fetchedAt: deps.clock(), result };
      });
      const fetchedAt = cached.fetchedAt.toISOString();
      if (cached.result.status !== 'ok') {
        if (cached.result.status === 'mismatch') {
          deps.log({
            level: 'warn',
            msg: 'source patient does not carry the NHS number searched for',
            requestId,
            source: source.id,
            failure: 'identifier-mismatch',
          });
        }
        return cached.result.status === 'mismatch'
          ? { source: ref, status: 'mismatch' }
          : { source: ref, status: 'not-found', fetchedAt };
      }
      const birthDate = cached.result.record.patient.birthDate;
      if (patient.birthDate && birthDate && !sameBirthDate(birthDate, patient.birthDate)) {
        // Same NHS number, different date of birth: not safe to show as this patient.
        deps.log({
          level: 'warn',
          msg: 'source demographics disagree with launch',
          requestId,
          source: source.id,
          failure: 'demographics-mismatch',
        });
        return { source: ref, status: 'mismatch' };
      }
      return { source: ref, status: 'ok', fetchedAt, record: cached.result.record };
    } catch (err) {
      const failure = err instanceof UpstreamError ? err.failure : 'error';
      const httpStatus = err instanceof UpstreamError ? err.httpStatus : undefined;
      deps.log({
        level: 'warn',
        msg: 'source unavailable',
        requestId,
        source: source.id,
        failure,
        httpStatus,
        latencyMs: Math.round(performance.now() - started),
      });
      return { source: ref, status: 'unavailable' };
    }
  }

  return {
    /** Each source's breaker state, for readiness detail (no patient data). */
    breakerStates(): Record<string, BreakerState> {
      return Object.fromEntries([...resilience].map(([id, r]) => [id, r.breaker.state]));
    },
    /** A user asked for fresh data: types a source was found not to offer are asked again. */
    forgetTypesNotOffered(): void {
      for (const r of resilience.values()) if ('resourceTypes' in r) r.resourceTypes.forget();
    },
    answersFor(patient: PatientContext, requestId: string): Promise<SourceAnswer[]> {
      return Promise.all(deps.sources.map((source) => ask(source, patient, requestId)));
    },
    /** Fetches an attachment's bytes from a source, with its credentials, within its deadline. */
    async fetchAttachment(sourceId: string, url: string, accept: string): Promise<BinaryContent> {
      const source = deps.sources.find((s) => s.id === sourceId);
      if (!source) throw new UpstreamError('foreign-link');
      const deadline = new AbortScope([], Math.min(source.timeoutMs, deps.limits.summaryDeadlineMs));
      const client = new FhirClient({
        baseUrl: source.fhirBaseUrl,
        get: deps.get,
        signal: deadline.signal,
        auth: auths.get(source.id) ?? NO_AUTH,
        maxBytes: MAX_ATTACHMENT_BYTES,
        ...resilience.get(source.id),
      });
      return measured(
        source.id,
        'attachment',
        () => client.getBinary(url, accept),
        () => 'ok',
      ).finally(() => deadline.release());
    },
  };
}

export type SourceGateway = ReturnType<typeof createSourceGateway>;
