/**
 * The closed list of problem codes the BFF answers with (RFC 9457 problem+json).
 * A code's `type` URI never changes once released; add codes, never rename them.
 */
export const PROBLEM_CODES = {
  'bad-request': 'The request is not valid',
  'payload-too-large': 'The request body is too large',
  'unsupported-media-type': 'The request body must be application/json',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'launch-invalid': 'The launch token is not valid',
  'launch-expired': 'The launch token has expired',
  'launch-not-yet-valid': 'The launch token is not yet valid',
  'launch-lifetime-too-long': 'The launch token lives longer than 300 seconds',
  'launch-untrusted-issuer': 'The launch token comes from an issuer that is not trusted',
  'launch-invalid-patient': 'The launch token does not name a valid NHS number',
  'launch-incomplete': 'The launch token lacks a required claim',
  'launch-replayed': 'The launch token has already been used',
  'launch-verification-unavailable': 'The launch token cannot be checked right now',
  unauthenticated: 'A session token is required',
  'session-invalid': 'The session token is not valid',
  'session-expired': 'The session has expired',
  'insufficient-role': 'Your role does not allow access to clinical data',
  'audit-unavailable': 'The audit store is unavailable, so no data can be shown',
  'source-unavailable': 'The hospital system holding this item cannot be reached',
  'letter-content-unavailable': 'This letter has no content that can be shown',
  'internal-error': 'Something went wrong',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** Problem types are URNs: stable, globally unique, and never dereferenced. */
export const PROBLEM_BASE = 'urn:care-sidebar:problem:';

export function problemType(code: ProblemCode): string {
  return `${PROBLEM_BASE}${code}`;
}

/** The RFC 9457 body the BFF sends. `requestId` lets support find the log line. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly requestId?: string;
  readonly detail?: string;
}

export function isProblemCode(value: unknown): value is ProblemCode {
  return typeof value === 'string' && Object.hasOwn(PROBLEM_CODES, value);
}
