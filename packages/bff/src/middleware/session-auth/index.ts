import type { MiddlewareHandler } from 'hono';
import { decodeJwt } from 'jose';
import type { AppEnv } from '../../app-env.ts';
import { type AuditAction, auditText, type AuditStore } from '../../audit/audit-store.ts';
import { requestAuditFields } from '../../audit/request-audit-fields.ts';
import { ProblemError } from '../../errors/problem-error.ts';
import { bearerChallenge, type SessionTokenOptions, SessionVerifier } from '../../session/session-token.ts';

export interface RefusalAudit {
  readonly audit: AuditStore;
  /** The data action that was attempted, recorded as refused. */
  readonly action: AuditAction;
}

/** What an unverifiable session token claimed: recorded as claimed, never trusted. */
function claimedBy(token: string | undefined) {
  if (!token) return {};
  try {
    const p = decodeJwt(token) as Record<string, unknown>;
    const user = {
      ...(auditText(p['sub']) ? { id: auditText(p['sub']) as string } : {}),
      ...(auditText(p['name']) ? { name: auditText(p['name']) as string } : {}),
      ...(auditText(p['role'], 64) ? { role: auditText(p['role'], 64) as string } : {}),
      ...(auditText(p['org'], 16) ? { org: auditText(p['org'], 16) as string } : {}),
    };
    const nhsNumber = auditText(p['nhs_number'], 16);
    return { ...(Object.keys(user).length ? { user } : {}), ...(nhsNumber ? { nhsNumber } : {}) };
  } catch {
    return {};
  }
}

/**
 * Requires `Authorization: Bearer <session token>` and puts the verified session on the context.
 * A refused attempt on a data route is audited too (claims marked unverified), as GP Connect asks
 * of failed and rejected requests; the refusal stands even if that record cannot be written.
 */
export function sessionAuth(
  options: SessionTokenOptions,
  clock: () => Date,
  refusals?: RefusalAudit,
): MiddlewareHandler<AppEnv> {
  const verifier = new SessionVerifier(options);
  return async (c, next) => {
    const header = c.req.header('Authorization');
    const token = header ? /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header)?.[1] : undefined;
    try {
      if (!header) throw new ProblemError('unauthenticated', 401, { headers: bearerChallenge() });
      if (!token) throw new ProblemError('session-invalid', 401, { headers: bearerChallenge('invalid_request') });
      c.set('session', await verifier.verify(token, clock()));
    } catch (err) {
      if (refusals && err instanceof ProblemError) {
        await refusals.audit
          .append({
            at: clock(),
            requestId: c.get('requestId'),
            action: refusals.action,
            outcome: 'refused',
            reason: err.code,
            userVerified: false,
            ...claimedBy(token),
            ...requestAuditFields(c),
          })
          .catch((auditErr: unknown) =>
            c.get('log')({
              level: 'error',
              msg: 'audit write failed for refused request',
              requestId: c.get('requestId'),
              error: (auditErr as Error).name,
            }),
          );
      }
      throw err;
    }
    await next();
  };
}
