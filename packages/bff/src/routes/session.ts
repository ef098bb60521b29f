import type { SessionResponse } from '@care-sidebar/shared';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JWTVerifyGetKey } from 'jose';
import type { AppEnv } from '../app-env.ts';
import { type AuditEntry, auditText, type AuditStore } from '../audit/audit-store.ts';
import { requestAuditFields } from '../audit/request-audit-fields.ts';
import type { Config } from '../config/schema.ts';
import { ProblemError } from '../errors/problem-error.ts';
import { problemResponse } from '../errors/problem-response.ts';
import { type ClaimedLaunch, LaunchRefusedError, verifyLaunchToken } from '../launch/verify-launch-token.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { signSessionToken } from '../session/session-token.ts';

export interface SessionRouteDeps {
  readonly config: Config;
  readonly clock: () => Date;
  readonly audit: AuditStore;
  readonly keySets: ReadonlyMap<string, JWTVerifyGetKey>;
  /** Counts refused launches by problem code. */
  readonly metrics?: Metrics;
}

/** Bodies above this are refused before parsing; launch tokens themselves are capped far lower. */
const MAX_BODY_BYTES = 128 * 1024;

async function readLaunch(req: Request): Promise<string | undefined> {
  try {
    const body: unknown = await req.json();
    const launch = (body as { launch?: unknown } | null)?.launch;
    return typeof launch === 'string' ? launch : undefined;
  } catch {
    return undefined;
  }
}

function claimedUser(claimed: ClaimedLaunch): NonNullable<AuditEntry['user']> {
  const user = {
    ...(auditText(claimed.sub) ? { id: auditText(claimed.sub) as string } : {}),
    ...(auditText(claimed.name) ? { name: auditText(claimed.name) as string } : {}),
    ...(auditText(claimed.role, 64) ? { role: auditText(claimed.role, 64) as string } : {}),
    ...(auditText(claimed.org, 16) ? { org: auditText(claimed.org, 16) as string } : {}),
  };
  return user;
}

/** `POST /session`: a verified launch becomes a short-lived session bound to user, role, org and patient. */
export function sessionRoutes(deps: SessionRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config, audit, clock } = deps;
  const tokenOptions = {
    secret: config.sessionSecret,
    publicUrl: config.publicUrl,
    ttlSeconds: config.session.ttlSeconds,
  };

  app.post(
    '/session',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => problemResponse('payload-too-large', 413, c.get('requestId')),
    }),
    async (c) => {
      const now = clock();
      const requestId = c.get('requestId');
      const base = { at: now, requestId, ...requestAuditFields(c) };
      const launch = await readLaunch(c.req.raw);

      const refuse = async (err: ProblemError, entry: Partial<AuditEntry>): Promise<never> => {
        deps.metrics?.launchRefused(err.code);
        try {
          await audit.append({
            ...base,
            action: 'launch-refused',
            outcome: 'refused',
            reason: err.code,
            userVerified: false,
            ...entry,
          });
        } catch (auditErr) {
          c.get('log')({
            level: 'error',
            msg: 'audit write failed for refused launch',
            requestId,
            error: (auditErr as Error).name,
          });
        }
        throw err;
      };

      let verified;
      try {
        if (launch === undefined) throw new LaunchRefusedError('launch-invalid', 401, {});
        verified = await verifyLaunchToken(launch, { audience: config.publicUrl, keySets: deps.keySets, now });
      } catch (err) {
        if (!(err instanceof LaunchRefusedError)) throw err;
        c.get('log')({
          level: 'warn',
          msg: 'launch refused',
          requestId,
          reason: err.code,
          cause: (err.cause as Error | undefined)?.message,
        });
        const claimedNhs = auditText(err.claimed.nhs_number, 16);
        const claimedIssuer = auditText(err.claimed.issuer);
        return refuse(err, {
          user: claimedUser(err.claimed),
          ...(claimedIssuer ? { issuer: claimedIssuer } : {}),
          ...(claimedNhs ? { nhsNumber: claimedNhs } : {}),
        });
      }

      const who = { user: verified.user, userVerified: true, issuer: verified.issuer, nhsNumber: verified.nhsNumber };
      let firstUse: boolean;
      try {
        firstUse = await audit.claimJti(verified.issuer, verified.jti, verified.expiresAt, now);
      } catch (err) {
        throw new ProblemError('audit-unavailable', 503, { cause: err });
      }
      if (!firstUse) return refuse(new ProblemError('launch-replayed', 401), who);
      if (!config.clinicalRoles.includes(verified.user.role))
        return refuse(new ProblemError('insufficient-role', 403), who);

      const session = await signSessionToken(
        {
          sessionId: crypto.randomUUID(),
          user: verified.user,
          nhsNumber: verified.nhsNumber,
          ...(verified.birthDate ? { birthDate: verified.birthDate } : {}),
          issuer: verified.issuer,
        },
        now,
        tokenOptions,
      );
      try {
        await audit.append({ ...base, ...who, action: 'session-start', outcome: 'started' });
      } catch (err) {
        throw new ProblemError('audit-unavailable', 503, { cause: err });
      }
      const body: SessionResponse = {
        token: session.token,
        expiresAt: session.expiresAt.toISOString(),
        patient: { nhsNumber: verified.nhsNumber },
        user: verified.user,
      };
      return c.json(body, 201);
    },
  );
  return app;
}
