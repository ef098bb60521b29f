import type { ProblemCode } from '@care-sidebar/shared';

/**
 * An error that the edge turns into RFC 9457 problem+json. `code` is from the closed
 * `ProblemCode` list; `cause` keeps the library error for the log, never for the client.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly code: ProblemCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: ProblemCode, status: number, options?: ErrorOptions & { headers?: Record<string, string> }) {
    super(code, options);
    this.code = code;
    this.status = status;
    this.headers = options?.headers ?? {};
  }
}
