import type { RequestIdVariables } from 'hono/request-id';
import type { SessionClaims } from './session/session-token.ts';
import type { Logger } from './logger.ts';

/** What middleware puts on the Hono context for the routes after it. */
export interface AppEnv {
  Variables: RequestIdVariables & {
    session: SessionClaims;
    log: Logger;
    /** Extra fields for this request's access log line (ids and outcomes only, never patient data). */
    accessLog: Readonly<Record<string, string | number>>;
  };
}
