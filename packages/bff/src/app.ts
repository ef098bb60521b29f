import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { AppEnv } from './app-env.ts';
import type { AuditStore } from './audit/audit-store.ts';
import { SourceCache } from './cache/source-cache.ts';
import type { Config } from './config/schema.ts';
import { problemResponse } from './errors/problem-response.ts';
import { notFoundHandler, problemHandler } from './errors/problem-handler.ts';
import { issuerKeySets, type KeySetStatus } from './launch/issuer-key-sets.ts';
import { type Logger, silentLogger } from './logger.ts';
import { Metrics } from './metrics/metrics.ts';
import { apiCors } from './middleware/api-cors/index.ts';
import { requestContext } from './middleware/request-context/index.ts';
import { securityHeaders } from './middleware/security-headers/index.ts';
import { auditRoutes } from './routes/audit.ts';
import { type DemoLauncher, demoRoutes } from './routes/demo.ts';
import { embedRoutes } from './routes/embed.ts';
import { healthRoutes } from './routes/health.ts';
import { letterRoutes } from './routes/letters.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { sessionRoutes } from './routes/session.ts';
import { summaryRoutes } from './routes/summary.ts';
import { createSourceGateway } from './upstream/source-gateway.ts';
import { nodeHttpGet, type UpstreamGet } from './upstream/upstream-transport.ts';

export interface AppDeps {
  readonly config: Config;
  readonly clock: () => Date;
  readonly audit: AuditStore;
  /** Used for issuers' JWKS and sources' token endpoints. */
  readonly fetch: typeof fetch;
  /** Used for upstream FHIR calls; by default node:http(s) with keep-alive connections. */
  readonly upstreamGet?: UpstreamGet;
  readonly log?: Logger;
  /** Demo mode only: mounts the demo launch-token endpoints and trusts their key. */
  readonly demo?: DemoLauncher;
  /** A file of the built widget; by default read once from packages/widget/dist. */
  readonly widgetBundle?: (file: string) => Promise<Uint8Array | undefined>;
  /** True once shutdown has begun: /readyz fails so the load balancer stops sending new work. */
  readonly draining?: () => boolean;
  /** Add the process's own metrics (CPU, memory, event loop, GC) to `/metrics`: for the process's owner. */
  readonly processMetrics?: boolean;
}

export interface App {
  readonly app: Hono<AppEnv>;
  readonly cache: SourceCache;
  /** This app's metrics registry, as `GET /metrics` serves it. */
  readonly metrics: Metrics;
}

function methodNotAllowed(allow: string) {
  return (c: { get: (k: 'requestId') => string }) =>
    problemResponse('method-not-allowed', 405, c.get('requestId'), { Allow: allow });
}

const WIDGET_DIST = fileURLToPath(new URL('../../widget/dist/', import.meta.url));

/** Reads the built bundle once; until it exists (not built yet), asks again each time. */
/** Files of the built widget, each read once. `file` is checked by the route (no path escapes dist/). */
function builtWidgetBundle(): (file: string) => Promise<Uint8Array | undefined> {
  const files = new Map<string, Uint8Array>();
  return async (file) => {
    const known = files.get(file);
    if (known) return known;
    const bytes = await readFile(join(WIDGET_DIST, file)).catch(() => undefined);
    if (bytes) files.set(file, bytes);
    return bytes;
  };
}

/** Builds the BFF from its validated config and collaborators; no module singletons. */
export function createApp(deps: AppDeps): App {
  const { config, clock, audit } = deps;
  const log = deps.log ?? silentLogger;
  const metrics = new Metrics({ processMetrics: deps.processMetrics ?? false });
  const issuers = issuerKeySets(config.trustedIssuers, { fetch: deps.fetch });
  const keySets = new Map<string, JWTVerifyGetKey>([...issuers].map(([iss, set]) => [iss, set.resolve]));
  const issuerStates = (): Record<string, KeySetStatus> => ({
    ...Object.fromEntries([...issuers].map(([iss, set]) => [iss, set.status()])),
    ...(deps.demo ? { [deps.demo.issuer]: 'inline' } : {}),
  });
  if (deps.demo) keySets.set(deps.demo.issuer, createLocalJWKSet({ keys: [deps.demo.publicJwk] }));
  const cache = new SourceCache(config.cache, metrics);
  const sources = createSourceGateway({
    sources: config.sources,
    sourceKeys: config.sourceKeys,
    cache,
    limits: config.upstream,
    // The memory is bounded by the cache's TTL; with the cache off (either setting 0) there is none.
    notOfferedMemoryMs: config.cache.ttlSeconds > 0 && config.cache.maxBytes > 0 ? config.cache.ttlSeconds * 1000 : 0,
    get: deps.upstreamGet ?? nodeHttpGet(),
    fetch: deps.fetch,
    clock,
    log,
    metrics,
  });
  metrics.readBreakersFrom(() => sources.breakerStates());
  metrics.readCacheBytesFrom(() => cache.sizeBytes);
  metrics.readAuditQueueDepthFrom(() => audit.queueDepth ?? 0);
  audit.observeCommits?.((batch) => metrics.auditCommit(batch));

  const app = new Hono<AppEnv>();
  app.onError(problemHandler);
  app.notFound(notFoundHandler);
  app.use(requestContext(log, metrics));
  app.use(securityHeaders());
  // CORS only for configured host origins (hono's cors() would allow any origin by default).
  const allowed = new Set(config.allowedOrigins);
  app.use(
    '/api/*',
    apiCors({
      allowed,
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Authorization', 'Content-Type'],
      // Date: the widget counts a session's expiry down by the BFF's clock, not the browser's.
      exposeHeaders: ['X-Request-Id', 'Date'],
      maxAge: 600,
    }),
  );
  app.route(
    '/',
    healthRoutes({
      audit,
      breakerStates: () => sources.breakerStates(),
      issuerStates,
      ...(deps.draining ? { draining: deps.draining } : {}),
    }),
  );
  app.route('/', metricsRoutes(metrics, config.audit.readers.apiKeySha256));
  app.use('/widget/*', cors({ origin: (origin) => (allowed.has(origin) ? origin : null), allowMethods: ['GET'] }));
  app.route('/', embedRoutes({ config, widgetBundle: deps.widgetBundle ?? builtWidgetBundle() }));
  app.route('/api/v1', sessionRoutes({ config, clock, audit, keySets, metrics }));
  app.route('/api/v1', summaryRoutes({ config, clock, audit, sources, cache }));
  app.route('/api/v1', letterRoutes({ config, clock, audit, sources }));
  app.route('/api/v1', auditRoutes({ config, clock, audit, keySets }));
  app.all('/api/v1/session', methodNotAllowed('POST'));
  app.all('/api/v1/audit', methodNotAllowed('GET'));
  app.all('/api/v1/audit/report', methodNotAllowed('GET'));
  app.all('/api/v1/summary', methodNotAllowed('GET'));
  app.all('/metrics', methodNotAllowed('GET'));
  if (deps.demo) {
    app.use(
      '/demo/*',
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['Content-Type'],
      }),
    );
    app.route('/demo', demoRoutes(deps.demo, config.publicUrl, clock));
  }
  return { app, cache, metrics };
}
