import { buildSummary, isOptedOut, type OptedOutView, sensitiveFilter } from '@care-sidebar/shared';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import { requestAuditFields } from '../audit/request-audit-fields.ts';
import type { Config } from '../config/schema.ts';
import type { SourceCache } from '../cache/source-cache.ts';
import { ViewMemo } from '../cache/view-memo.ts';
import { LRUCache } from 'lru-cache';
import { ProblemError } from '../errors/problem-error.ts';
import { sessionAuth } from '../middleware/session-auth/index.ts';
import type { SourceGateway } from '../upstream/source-gateway.ts';

function monthsBefore(date: Date, months: number): Date {
  const since = new Date(date);
  since.setUTCMonth(since.getUTCMonth() - months);
  return since;
}

export interface SummaryRouteDeps {
  readonly config: Config;
  readonly clock: () => Date;
  readonly audit: AuditStore;
  readonly sources: SourceGateway;
  readonly cache: SourceCache;
}

/** A session may bypass the cache at most this often (the widget's refresh control). */
export const REFRESH_INTERVAL_MS = 30_000;

/**
 * Reuse of a built view (cache/view-memo.ts): at most 1 s old, so a flag period, the AKI
 * warning's recency or the results window that changes with the clock shows at most 1 s late
 * (the view's `generatedAt` says when it was built); bounded to 16 MB and 2 000 patients.
 */
export const VIEW_MEMO = { validityMs: 1_000, maxBytes: 16 * 1024 * 1024, maxEntries: 2_000 } as const;

/**
 * `GET /summary`: the view for the session's patient. The patient comes only from the session,
 * never from the URL or a header. No audit, no data: the record is committed before the body is sent.
 */
export function summaryRoutes(deps: SummaryRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, audit, clock } = deps;
  const excludes = sensitiveFilter(config.sensitivePolicy);
  const tokenOptions = {
    secret: config.sessionSecret,
    publicUrl: config.publicUrl,
    ttlSeconds: config.session.ttlSeconds,
  };

  // Last cache bypass per session; bounded, and entries outlive a session only briefly.
  const lastRefresh = new LRUCache<string, number>({ max: 10_000, ttl: REFRESH_INTERVAL_MS });
  const views = new ViewMemo(VIEW_MEMO);

  app.get('/summary', sessionAuth(tokenOptions, clock, { audit, action: 'summary-view' }), async (c) => {
    const session = c.get('session');
    // `?refresh=true` fetches afresh from every source, unless this session did so moments ago.
    if (c.req.query('refresh') === 'true' && !lastRefresh.has(session.sessionId)) {
      lastRefresh.set(session.sessionId, clock().getTime());
      deps.cache.forgetPatient(
        config.sources.map((s) => s.id),
        session.nhsNumber,
      );
      // Afresh means every type asked again, Consent included, at a source that lacked it a moment ago.
      deps.sources.forgetTypesNotOffered();
    }
    const requestId = c.get('requestId');
    const base = {
      requestId,
      user: session.user,
      userVerified: true,
      issuer: session.issuer,
      nhsNumber: session.nhsNumber,
      ...requestAuditFields(c),
    };
    if (!config.clinicalRoles.includes(session.user.role)) {
      await audit
        .append({ ...base, at: clock(), action: 'summary-view', outcome: 'refused', reason: 'insufficient-role' })
        .catch(() => undefined);
      throw new ProblemError('insufficient-role', 403);
    }

    // An opted-out patient: nothing clinical, not even counts. The local list is checked before any upstream call.
    const optedOut = async (sources?: { id: string; status: string }[]) => {
      const now = clock();
      try {
        await audit.append({
          ...base,
          at: now,
          action: 'summary-view',
          outcome: 'opted-out',
          ...(sources ? { sources } : {}),
        });
      } catch (err) {
        throw new ProblemError('audit-unavailable', 503, { cause: err });
      }
      const view: OptedOutView = {
        kind: 'opted-out',
        patient: { nhsNumber: session.nhsNumber },
        generatedAt: now.toISOString(),
      };
      return c.json(view);
    };
    if (config.localOptOuts.has(session.nhsNumber)) return optedOut();

    const answers = await deps.sources.answersFor(
      { nhsNumber: session.nhsNumber, ...(session.birthDate ? { birthDate: session.birthDate } : {}) },
      requestId,
    );
    // Each source's outcome on this request's log line; a cached answer has no line of its own.
    c.set('accessLog', { sources: answers.map((a) => `${a.source.id}:${a.status}`).join(',') });
    const now = clock();
    const consents = answers.flatMap((a) => (a.status === 'ok' ? (a.record.consents ?? []) : []));
    if (isOptedOut({ nhsNumber: session.nhsNumber, localOptOuts: config.localOptOuts, consents, now })) {
      return optedOut(answers.map((a) => ({ id: a.source.id, status: a.status })));
    }
    // A view built moments ago from these very cache entries is reused, JSON and all; else built now.
    const { view, json } =
      views.get(session.nhsNumber, answers, now) ??
      views.set(
        session.nhsNumber,
        answers,
        now,
        buildSummary(session.nhsNumber, answers, now, excludes, monthsBefore(now, config.upstream.resultsWindowMonths)),
      );
    const anyAnswered = answers.some((a) => a.status !== 'unavailable');
    try {
      await audit.append({
        ...base,
        at: now,
        action: 'summary-view',
        outcome: anyAnswered ? 'shown' : 'error',
        ...(anyAnswered ? {} : { reason: 'sources-unavailable' }),
        sections: {
          flags: view.flags.items.length,
          results: view.results.items.length,
          letters: view.letters.items.length,
        },
        sources: answers.map((a) => ({ id: a.source.id, status: a.status })),
      });
    } catch (err) {
      throw new ProblemError('audit-unavailable', 503, { cause: err });
    }
    return c.body(json, 200, { 'Content-Type': 'application/json' });
  });
  return app;
}
