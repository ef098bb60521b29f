import { isValidNhsNumber, type ProblemCode } from '@care-sidebar/shared';
import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { ProblemError } from '../errors/problem-error.ts';
import { KeySetUnavailableError } from './issuer-key-sets.ts';

/** DESIGN §3.1: asymmetric algorithms only; never `none`, never HMAC. */
export const LAUNCH_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export const MAX_LAUNCH_LIFETIME_SECONDS = 300;
export const CLOCK_SKEW_SECONDS = 30;
/** A launch token longer than this is refused before any parsing. */
export const MAX_LAUNCH_TOKEN_CHARS = 8 * 1024;

const REQUIRED_CLAIMS = ['exp', 'iat', 'jti', 'iss', 'aud', 'sub', 'name', 'role', 'org', 'nhs_number'];

// Claim values go into the audit record and the session: bound their size and forbid control characters.
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');

const launchClaims = z.object({
  jti: text(256),
  sub: text(256),
  name: text(200),
  role: text(64),
  org: z.string().regex(/^[A-Za-z0-9]{3,10}$/, 'must be an ODS code'),
  nhs_number: z.string(),
  birthdate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)))
    .optional(),
});

/** A verified launch: who, for which patient, from which host. */
export interface VerifiedLaunch {
  readonly issuer: string;
  readonly jti: string;
  readonly user: { readonly id: string; readonly name: string; readonly role: string; readonly org: string };
  readonly nhsNumber: string;
  readonly birthDate?: string;
  readonly expiresAt: Date;
}

/** Whatever an untrusted token claimed, for the refusal's audit record (marked unverified there). */
export interface ClaimedLaunch {
  readonly issuer?: unknown;
  readonly sub?: unknown;
  readonly name?: unknown;
  readonly role?: unknown;
  readonly org?: unknown;
  readonly nhs_number?: unknown;
}

/** A refused launch: the problem to answer with and what the token claimed. */
export class LaunchRefusedError extends ProblemError {
  readonly claimed: ClaimedLaunch;
  constructor(code: ProblemCode, status: number, claimed: ClaimedLaunch, options?: ErrorOptions) {
    super(code, status, options);
    this.claimed = claimed;
  }
}

export interface VerifyLaunchOptions {
  /** `publicUrl`: the only acceptable audience. */
  readonly audience: string;
  readonly keySets: ReadonlyMap<string, JWTVerifyGetKey>;
  readonly now: Date;
}

function peekClaims(token: string): ClaimedLaunch {
  try {
    const p = decodeJwt(token) as Record<string, unknown>;
    return {
      issuer: p['iss'],
      sub: p['sub'],
      name: p['name'],
      role: p['role'],
      org: p['org'],
      nhs_number: p['nhs_number'],
    };
  } catch {
    return {};
  }
}

function refusal(code: ProblemCode, claimed: ClaimedLaunch, cause?: unknown): LaunchRefusedError {
  return new LaunchRefusedError(code, code === 'launch-verification-unavailable' ? 503 : 401, claimed, { cause });
}

/** Maps a jose failure to our problem code; which claim failed goes to the log via `cause`, not the client. */
function codeFor(err: unknown): ProblemCode {
  if (err instanceof KeySetUnavailableError) return 'launch-verification-unavailable';
  if (err instanceof errors.JWTExpired) return 'launch-expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || (err.claim === 'iat' && err.reason === 'check_failed')) return 'launch-not-yet-valid';
    if (err.reason === 'missing') return 'launch-incomplete';
    if (err.claim === 'iss') return 'launch-untrusted-issuer';
  }
  return 'launch-invalid';
}

function sameUrlSpellings(url: string): string[] {
  const bare = url.replace(/\/+$/, '');
  return [bare, `${bare}/`];
}

/**
 * Verifies a host's launch token exactly as DESIGN §3.1 says. jose's defaults are not enough
 * (it checks exp/nbf only when present), so every requirement is passed explicitly.
 * Does not check single use: the caller claims the jti after this succeeds.
 */
export async function verifyLaunchToken(token: string, options: VerifyLaunchOptions): Promise<VerifiedLaunch> {
  if (token.length === 0 || token.length > MAX_LAUNCH_TOKEN_CHARS) throw refusal('launch-invalid', {});
  const claimed = peekClaims(token);

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw refusal('launch-invalid', claimed, err);
  }
  if (typeof header.alg !== 'string' || !(LAUNCH_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw refusal('launch-invalid', claimed);
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256)
    throw refusal('launch-invalid', claimed);
  if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') throw refusal('launch-invalid', claimed);

  // The key set comes from the allow-listed issuer the token names; an unknown issuer costs no fetch.
  const keySet = typeof claimed.issuer === 'string' ? options.keySets.get(claimed.issuer) : undefined;
  if (!keySet || typeof claimed.issuer !== 'string') throw refusal('launch-untrusted-issuer', claimed);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySet, {
      algorithms: [...LAUNCH_ALGORITHMS],
      issuer: claimed.issuer,
      // "https://bff.example" and "https://bff.example/" are the same URL; accept either spelling.
      audience: sameUrlSpellings(options.audience),
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxTokenAge: MAX_LAUNCH_LIFETIME_SECONDS,
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: options.now,
    }));
  } catch (err) {
    throw refusal(codeFor(err), claimed, err);
  }

  // jose accepts an aud array if any member matches; a launch is for this BFF alone.
  if (Array.isArray(payload.aud) && payload.aud.length !== 1) throw refusal('launch-invalid', claimed);
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  if (exp - iat > MAX_LAUNCH_LIFETIME_SECONDS) throw refusal('launch-lifetime-too-long', claimed);

  const parsed = launchClaims.safeParse(payload);
  if (!parsed.success) throw refusal('launch-incomplete', claimed, parsed.error);
  const c = parsed.data;
  if (!isValidNhsNumber(c.nhs_number)) throw refusal('launch-invalid-patient', claimed);

  return {
    issuer: claimed.issuer,
    jti: c.jti,
    user: { id: c.sub, name: c.name, role: c.role, org: c.org.toUpperCase() },
    nhsNumber: c.nhs_number,
    ...(c.birthdate ? { birthDate: c.birthdate } : {}),
    expiresAt: new Date(exp * 1000),
  };
}
