import { isValidNhsNumber } from '@care-sidebar/shared';
import { Hono, type Context } from 'hono';
import { decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import type { AppEnv } from '../app-env.ts';
import { apiKeyChecker } from '../auth/api-key.ts';
import { auditBundle, auditCsv, subjectAccessCsv } from '../audit/audit-export.ts';
import {
  AUDIT_ACTIONS,
  AUDIT_OUTCOMES,
  type AuditAction,
  type AuditEntry,
  type AuditLog,
  type AuditOutcome,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
  auditText,
  isAuditLog,
} from '../audit/audit-store.ts';
import { requestAuditFields } from '../audit/request-audit-fields.ts';
import type { Config } from '../config/schema.ts';
import { ProblemError } from '../errors/problem-error.ts';
import { LaunchRefusedError, verifyLaunchToken } from '../launch/verify-launch-token.ts';
import { verifySessionToken } from '../session/session-token.ts';

export interface AuditRouteDeps {
  readonly config: Config;
  readonly clock: () => Date;
  readonly audit: AuditStore;
  readonly keySets: ReadonlyMap<string, JWTVerifyGetKey>;
}

const MAX_LIMIT = 1_000;
const DEFAULT_LIMIT = 100;
/** A subject access report holds at most this many records (more is a sign of a wrong filter). */
const MAX_REPORT_RECORDS = 100_000;

interface Reader {
  readonly user: NonNullable<AuditEntry['user']>;
  readonly issuer?: string;
}

const challenge = { 'WWW-Authenticate': 'ApiKey realm="care-sidebar-audit", Bearer realm="care-sidebar-audit"' };

type Filter = Omit<AuditQuery, 'limit' | 'afterSeq'>;

/** Reads the filter from the query string; every bad parameter is a 400. */
function parseFilter(c: Context<AppEnv>): { filter: Filter; limit: number; afterSeq: number } {
  const q = (name: string) => c.req.query(name);
  const bad = () => new ProblemError('bad-request', 400);
  const known = new Set(['nhsNumber', 'user', 'org', 'action', 'outcome', 'from', 'to', 'limit', 'cursor', 'format']);
  for (const name of Object.keys(c.req.queries())) if (!known.has(name)) throw bad();
  const text = (name: string, max: number) => {
    const v = q(name);
    if (v === undefined) return undefined;
    if (v === '' || v.length > max) throw bad();
    return v;
  };
  const date = (name: string) => {
    const v = text(name, 40);
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw bad();
    return d;
  };
  const nhsNumber = text('nhsNumber', 10);
  if (nhsNumber !== undefined && !isValidNhsNumber(nhsNumber)) throw bad();
  const action = text('action', 40);
  if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) throw bad();
  const outcome = text('outcome', 40);
  if (outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(outcome)) throw bad();
  const limitText = q('limit') ?? String(DEFAULT_LIMIT);
  const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw bad();
  const cursorText = q('cursor') ?? '0';
  if (!/^\d{1,15}$/.test(cursorText)) throw bad();
  const userId = text('user', 256);
  const org = text('org', 16);
  const from = date('from');
  const to = date('to');
  return {
    filter: {
      ...(nhsNumber ? { nhsNumber } : {}),
      ...(userId ? { userId } : {}),
      ...(org ? { org } : {}),
      ...(action ? { action: action as AuditAction } : {}),
      ...(outcome ? { outcome: outcome as AuditOutcome } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    },
    limit,
    afterSeq: Number(cursorText),
  };
}

type Format = 'json' | 'csv' | 'fhir';

function chooseFormat(c: Context<AppEnv>): Format {
  const asked = c.req.query('format');
  if (asked === 'json' || asked === 'csv' || asked === 'fhir') return asked;
  if (asked !== undefined) throw new ProblemError('bad-request', 400);
  const accept = c.req.header('Accept') ?? '';
  if (accept.includes('application/fhir+json')) return 'fhir';
  if (accept.includes('text/csv')) return 'csv';
  return 'json';
}

/** The filter as the audit-read record keeps it: no patient data other than the NHS number itself. */
function filterDetail(filter: Filter, extra: Record<string, string | number>): Record<string, string | number> {
  return {
    ...(filter.userId ? { user: filter.userId } : {}),
    ...(filter.org ? { org: filter.org } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.outcome ? { outcome: filter.outcome } : {}),
    ...(filter.from ? { from: filter.from.toISOString() } : {}),
    ...(filter.to ? { to: filter.to.toISOString() } : {}),
    ...extra,
  };
}

/**
 * `GET /audit` and `GET /audit/report`: the audit for information-governance readers only.
 * Credentials: `Authorization: ApiKey <key>` (its SHA-256 in `audit.readers.apiKeySha256`), or
 * `Authorization: Bearer <launch token>` verified exactly as `POST /session` does (single-use jti)
 * whose role is in `audit.readers.igRoles`. A clinical session token is refused (403). Every read,
 * allowed or refused, is itself audited as `audit-read`, before any record is sent.
 */
export function auditRoutes(deps: AuditRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, clock, audit } = deps;
  const store: AuditLog | undefined = isAuditLog(audit) ? audit : undefined;
  const checkApiKey = apiKeyChecker(config.audit.readers.apiKeySha256);
  const igRoles = new Set(config.audit.readers.igRoles);
  const tokenOptions = {
    secret: config.sessionSecret,
    publicUrl: config.publicUrl,
    ttlSeconds: config.session.ttlSeconds,
  };

  async function record(c: Context<AppEnv>, entry: Omit<AuditEntry, 'at' | 'requestId' | 'action'>): Promise<void> {
    try {
      await audit.append({
        at: clock(),
        requestId: c.get('requestId'),
        action: 'audit-read',
        ...entry,
        ...requestAuditFields(c),
      });
    } catch (err) {
      throw new ProblemError('audit-unavailable', 503, { cause: err });
    }
  }

  /** Who is asking; refusals are audited (claims of an untrusted token marked unverified) and thrown. */
  async function authenticate(c: Context<AppEnv>): Promise<Reader> {
    const refuse = async (err: ProblemError, entry: Partial<AuditEntry> = {}): Promise<never> => {
      await record(c, { outcome: 'refused', reason: err.code, userVerified: false, ...entry }).catch(() => undefined);
      throw err;
    };
    const header = c.req.header('Authorization') ?? '';
    const apiKey = checkApiKey(header);
    if (apiKey.kind === 'refused') return refuse(new ProblemError('unauthenticated', 401, { headers: challenge }));
    if (apiKey.kind === 'accepted') return { user: { id: apiKey.id, name: 'IG API key', role: 'api-key' } };
    const bearer = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(header)?.[1];
    if (bearer === undefined) return refuse(new ProblemError('unauthenticated', 401, { headers: challenge }));

    let alg: unknown;
    try {
      alg = decodeProtectedHeader(bearer).alg;
    } catch {
      return refuse(new ProblemError('launch-invalid', 401, { headers: challenge }));
    }
    if (alg === 'HS256') {
      // One of our own clinical session tokens: a valid one is a clinician, who may never read the audit.
      const session = await verifySessionToken(bearer, clock(), tokenOptions);
      return refuse(new ProblemError('insufficient-role', 403), {
        user: session.user,
        userVerified: true,
        issuer: session.issuer,
      });
    }
    const now = clock();
    let verified;
    try {
      verified = await verifyLaunchToken(bearer, { audience: config.publicUrl, keySets: deps.keySets, now });
    } catch (err) {
      if (!(err instanceof LaunchRefusedError)) throw err;
      const id = auditText(err.claimed.sub);
      const name = auditText(err.claimed.name);
      const role = auditText(err.claimed.role, 64);
      const org = auditText(err.claimed.org, 16);
      const issuer = auditText(err.claimed.issuer);
      return refuse(new ProblemError(err.code, err.status, { cause: err }), {
        user: { ...(id ? { id } : {}), ...(name ? { name } : {}), ...(role ? { role } : {}), ...(org ? { org } : {}) },
        ...(issuer ? { issuer } : {}),
      });
    }
    const who = { user: verified.user, userVerified: true, issuer: verified.issuer };
    let firstUse: boolean;
    try {
      firstUse = await audit.claimJti(verified.issuer, verified.jti, verified.expiresAt, now);
    } catch (err) {
      throw new ProblemError('audit-unavailable', 503, { cause: err });
    }
    if (!firstUse) return refuse(new ProblemError('launch-replayed', 401), who);
    if (!igRoles.has(verified.user.role)) return refuse(new ProblemError('insufficient-role', 403), who);
    return { user: verified.user, issuer: verified.issuer };
  }

  function reader(r: Reader): Pick<AuditEntry, 'user' | 'userVerified' | 'issuer'> {
    return { user: r.user, userVerified: true, ...(r.issuer ? { issuer: r.issuer } : {}) };
  }

  app.get('/audit', async (c) => {
    const who = await authenticate(c);
    let parsed;
    let format: Format;
    try {
      parsed = parseFilter(c);
      format = chooseFormat(c);
    } catch (err) {
      await record(c, { ...reader(who), outcome: 'refused', reason: 'bad-request' });
      throw err;
    }
    const { filter, limit, afterSeq } = parsed;
    if (!store) throw new ProblemError('audit-unavailable', 503);
    let records: AuditRecord[];
    try {
      records = await store.query({ ...filter, afterSeq, limit: limit + 1 });
    } catch (err) {
      throw new ProblemError('audit-unavailable', 503, { cause: err });
    }
    const page = records.slice(0, limit);
    const next = records.length > limit ? String(page[page.length - 1]?.seq) : undefined;
    // No audit, no data: the read is recorded before any record leaves.
    await record(c, {
      ...reader(who),
      outcome: 'shown',
      ...(filter.nhsNumber ? { nhsNumber: filter.nhsNumber } : {}),
      detail: filterDetail(filter, { format, cursor: afterSeq, limit, returned: page.length }),
    });
    if (format === 'csv') {
      return c.body(auditCsv(page), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="audit.csv"',
        ...(next ? { 'X-Next-Cursor': next } : {}),
      });
    }
    if (format === 'fhir') {
      let nextUrl: string | undefined;
      if (next) {
        const url = new URL(c.req.url);
        url.searchParams.set('cursor', next);
        nextUrl = `${config.publicUrl.replace(/\/+$/, '')}${url.pathname}${url.search}`;
      }
      return c.body(JSON.stringify(auditBundle(page, { observer: config.publicUrl }, nextUrl)), 200, {
        'Content-Type': 'application/fhir+json; charset=utf-8',
      });
    }
    return c.json({ records: page, next: next ?? null });
  });

  app.get('/audit/report', async (c) => {
    const who = await authenticate(c);
    const nhsNumber = c.req.query('nhsNumber');
    const extra = Object.keys(c.req.queries()).filter((k) => k !== 'nhsNumber');
    if (nhsNumber === undefined || !isValidNhsNumber(nhsNumber) || extra.length > 0) {
      await record(c, { ...reader(who), outcome: 'refused', reason: 'bad-request' });
      throw new ProblemError('bad-request', 400);
    }
    if (!store) throw new ProblemError('audit-unavailable', 503);
    let records: AuditRecord[];
    try {
      records = await store.query({ nhsNumber, limit: MAX_REPORT_RECORDS });
    } catch (err) {
      throw new ProblemError('audit-unavailable', 503, { cause: err });
    }
    await record(c, {
      ...reader(who),
      outcome: 'shown',
      nhsNumber,
      detail: { report: 'subject-access', format: 'csv', returned: records.length },
    });
    return c.body(subjectAccessCsv(records), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="who-viewed-this-record.csv"',
    });
  });
  return app;
}
