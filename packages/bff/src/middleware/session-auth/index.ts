import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { ProblemError } from '../../errors/problem-error.ts';
import { bearerChallenge, type SessionTokenOptions, verifySessionToken } from '../../session/session-token.ts';

/** Requires `Authorization: Bearer <session token>` and puts the verified session on the context. */
export function sessionAuth(options: SessionTokenOptions, clock: () => Date): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header) : null;
    if (!header) throw new ProblemError('unauthenticated', 401, { headers: bearerChallenge() });
    if (!match?.[1]) throw new ProblemError('session-invalid', 401, { headers: bearerChallenge('invalid_request') });
    c.set('session', await verifySessionToken(match[1], clock(), options));
    await next();
  };
}
