import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChainDistrustReason } from '../upstream/chained-search-support.ts';
import type { BreakerState } from '../upstream/circuit-breaker.ts';
import type { UpstreamFailure } from '../upstream/fhir-client.ts';

/** How a cache read was served: from a stored answer, by a new upstream fetch, or by joining one in flight. */
export type CacheLookup = 'hit' | 'miss' | 'inflight';

/** One record fetch per source and patient (several FHIR searches), or one letter's bytes. */
export type UpstreamOperation = 'record' | 'attachment';

/** What a source call came to: an answer, or why there was none (`error` for anything unforeseen). */
export type UpstreamOutcome = 'ok' | 'not-found' | 'mismatch' | UpstreamFailure | 'error';

/** One group-commit batch of the audit store. */
export interface CommitObservation {
  readonly records: number;
  readonly seconds: number;
  readonly ok: boolean;
}

export interface MetricsOptions {
  /** Also the process's own metrics (CPU, memory, event loop, GC): for the process that owns them. */
  readonly processMetrics?: boolean;
}

const BREAKER_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The BFF's Prometheus metrics, one registry per app (no global default registry). Every label
 * value comes from a closed set the code owns — route patterns, source ids, outcome and problem
 * codes — never from a request's path, a token or a record, so no patient data can reach a label.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route'>;
  readonly #upstreamRequests: Counter<'source' | 'operation' | 'outcome'>;
  readonly #upstreamDuration: Histogram<'source' | 'operation' | 'outcome'>;
  readonly #chainDistrusts: Counter<'source' | 'reason'>;
  readonly #optionalRefusals: Counter<'source' | 'resource_type'>;
  readonly #typesNotOffered: Counter<'source' | 'resource_type'>;
  readonly #cacheHits: Counter;
  readonly #cacheMisses: Counter;
  readonly #cacheCoalesced: Counter;
  readonly #launchesRefused: Counter<'reason'>;
  readonly #commitDuration: Histogram;
  readonly #commitBatch: Histogram;
  readonly #commitFailures: Counter;
  #breakers: () => Readonly<Record<string, BreakerState>> = () => ({});
  #cacheBytes: () => number = () => 0;
  #auditQueueDepth: () => number = () => 0;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });

    this.#httpRequests = new Counter({
      name: 'care_sidebar_http_requests_total',
      help: 'HTTP requests answered, by method, matched route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: 'care_sidebar_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and matched route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#upstreamRequests = new Counter({
      name: 'care_sidebar_upstream_requests_total',
      help: 'Calls to hospital FHIR sources, by source, operation and outcome (ok, not-found, mismatch, or the failure).',
      labelNames: ['source', 'operation', 'outcome'],
      registers,
    });
    this.#upstreamDuration = new Histogram({
      name: 'care_sidebar_upstream_request_duration_seconds',
      help: 'Time a call to a hospital FHIR source took, by source, operation and outcome.',
      labelNames: ['source', 'operation', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8],
      registers,
    });
    const breakers = () => this.#breakers();
    this.#chainDistrusts = new Counter({
      name: 'care_sidebar_upstream_chained_search_distrusted_total',
      help: 'Times a source went from chained searches (one round) to searches by patient id (two rounds) for an hour, by source and reason (refused, foreign-entries).',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.#optionalRefusals = new Counter({
      name: 'care_sidebar_upstream_optional_parameters_refused_total',
      help: 'Times a source refused the optional search parameters (_sort, _include, a date window) of a resource type and was searched without them for an hour, by source and resource type.',
      labelNames: ['source', 'resource_type'],
      registers,
    });
    this.#typesNotOffered = new Counter({
      name: 'care_sidebar_upstream_resource_type_not_offered_total',
      help: 'Times a source was found not to offer a resource type it may lack (Consent, RiskAssessment), and so not searched for it for a while; counted once, and again only after the source was seen offering it.',
      labelNames: ['source', 'resource_type'],
      registers,
    });
    new Gauge({
      name: 'care_sidebar_circuit_breaker_state',
      help: "Each source's circuit breaker: 0 closed, 1 half-open, 2 open.",
      labelNames: ['source'],
      registers,
      collect() {
        for (const [source, state] of Object.entries(breakers())) this.set({ source }, BREAKER_VALUE[state]);
      },
    });
    this.#cacheHits = new Counter({
      name: 'care_sidebar_cache_hits_total',
      help: 'Source answers served from the cache.',
      registers,
    });
    this.#cacheCoalesced = new Counter({
      name: 'care_sidebar_cache_coalesced_total',
      help: 'Source answers that joined a fetch already in flight for the same source and patient.',
      registers,
    });
    this.#cacheMisses = new Counter({
      name: 'care_sidebar_cache_misses_total',
      help: 'Source answers that needed a new upstream fetch (absent, expired, refreshed, or no cache).',
      registers,
    });
    const cacheBytes = () => this.#cacheBytes();
    new Gauge({
      name: 'care_sidebar_cache_bytes',
      help: 'Upstream response bytes held in the source cache.',
      registers,
      collect() {
        this.set(cacheBytes());
      },
    });
    const queueDepth = () => this.#auditQueueDepth();
    new Gauge({
      name: 'care_sidebar_audit_queue_depth',
      help: 'Audit records waiting for their group commit.',
      registers,
      collect() {
        this.set(queueDepth());
      },
    });
    this.#commitDuration = new Histogram({
      name: 'care_sidebar_audit_commit_duration_seconds',
      help: 'Time to commit one batch of audit records (one transaction, one fsync).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#commitBatch = new Histogram({
      name: 'care_sidebar_audit_commit_batch_records',
      help: 'Audit records in one committed batch.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers,
    });
    this.#commitFailures = new Counter({
      name: 'care_sidebar_audit_commit_failures_total',
      help: 'Audit batches that failed to commit (every append in them was refused).',
      registers,
    });
    this.#launchesRefused = new Counter({
      name: 'care_sidebar_launches_refused_total',
      help: 'Launches refused at POST /api/v1/session, by problem code.',
      labelNames: ['reason'],
      registers,
    });
  }

  /** `route` is the matched route pattern (`/api/v1/letters/:id`), never the request path. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const m = METHODS.has(method) ? method : 'OTHER';
    this.#httpRequests.inc({ method: m, route, status: String(status) });
    this.#httpDuration.observe({ method: m, route }, seconds);
  }

  upstreamCall(source: string, operation: UpstreamOperation, outcome: UpstreamOutcome, seconds: number): void {
    this.#upstreamRequests.inc({ source, operation, outcome });
    this.#upstreamDuration.observe({ source, operation, outcome }, seconds);
  }

  chainedSearchDistrusted(source: string, reason: ChainDistrustReason): void {
    this.#chainDistrusts.inc({ source, reason });
  }

  /** `resourceType` is one the BFF searches (a closed set), never a value from a response. */
  optionalParametersRefused(source: string, resourceType: string): void {
    this.#optionalRefusals.inc({ source, resource_type: resourceType });
  }

  /** `resourceType` is one the BFF searches (a closed set), never a value from a response. */
  resourceTypeNotOffered(source: string, resourceType: string): void {
    this.#typesNotOffered.inc({ source, resource_type: resourceType });
  }

  cacheLookup(result: CacheLookup): void {
    if (result === 'hit') this.#cacheHits.inc();
    else if (result === 'inflight') this.#cacheCoalesced.inc();
    else this.#cacheMisses.inc();
  }

  /** `reason` is a problem code. */
  launchRefused(reason: string): void {
    this.#launchesRefused.inc({ reason });
  }

  auditCommit(batch: CommitObservation): void {
    if (!batch.ok) {
      this.#commitFailures.inc();
      return;
    }
    this.#commitDuration.observe(batch.seconds);
    this.#commitBatch.observe(batch.records);
  }

  /** What the scrape-time gauges read. */
  readBreakersFrom(read: () => Readonly<Record<string, BreakerState>>): void {
    this.#breakers = read;
  }

  readCacheBytesFrom(read: () => number): void {
    this.#cacheBytes = read;
  }

  readAuditQueueDepthFrom(read: () => number): void {
    this.#auditQueueDepth = read;
  }
}
