import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { ProblemError } from '../errors/problem-error.ts';

/** What a session is bound to: one user, one role, one organisation, one patient. */
export interface SessionClaims {
  readonly sessionId: string;
  readonly user: { readonly id: string; readonly name: string; readonly role: string; readonly org: string };
  readonly nhsNumber: string;
  /** The patient's date of birth as the host knew it at launch, when it said. */
  readonly birthDate?: string;
  readonly issuer: string;
  readonly expiresAt: Date;
}

// A distinct typ so a session token can never be presented as a launch token or vice versa.
const SESSION_TYP = 'care-sidebar-session+jwt';

export interface SessionTokenOptions {
  readonly secret: Uint8Array;
  /** The BFF's public URL: issuer and audience of its own tokens. */
  readonly publicUrl: string;
  readonly ttlSeconds: number;
}

export async function signSessionToken(
  claims: Omit<SessionClaims, 'expiresAt'>,
  now: Date,
  options: SessionTokenOptions,
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + options.ttlSeconds;
  const token = await new SignJWT({
    name: claims.user.name,
    role: claims.user.role,
    org: claims.user.org,
    nhs_number: claims.nhsNumber,
    ...(claims.birthDate ? { birthdate: claims.birthDate } : {}),
    launch_iss: claims.issuer,
  })
    .setProtectedHeader({ alg: 'HS256', typ: SESSION_TYP })
    .setIssuer(options.publicUrl)
    .setAudience(options.publicUrl)
    .setSubject(claims.user.id)
    .setJti(claims.sessionId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(options.secret);
  return { token, expiresAt: new Date(exp * 1000) };
}

function claimString(payload: Record<string, unknown>, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string' || value === '') throw new ProblemError('session-invalid', 401);
  return value;
}

/** Verifies a session token the BFF issued; throws ProblemError session-expired or session-invalid. */
export async function verifySessionToken(
  token: string,
  now: Date,
  options: SessionTokenOptions,
): Promise<SessionClaims> {
  return (await verifyFully(token, now, options)).claims;
}

/** A fully verified token's claims, and the time bounds jose checked (seconds since the epoch). */
interface Verified {
  readonly claims: SessionClaims;
  readonly exp: number;
  readonly nbf: number | undefined;
}

async function verifyFully(token: string, now: Date, options: SessionTokenOptions): Promise<Verified> {
  try {
    const { payload } = await jwtVerify(token, options.secret, {
      algorithms: ['HS256'],
      typ: SESSION_TYP,
      issuer: options.publicUrl,
      audience: options.publicUrl,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'nhs_number', 'role', 'org', 'name', 'launch_iss'],
    });
    const p = payload as Record<string, unknown>;
    const birthDate = typeof p['birthdate'] === 'string' ? p['birthdate'] : undefined;
    const claims: SessionClaims = {
      sessionId: claimString(p, 'jti'),
      user: {
        id: claimString(p, 'sub'),
        name: claimString(p, 'name'),
        role: claimString(p, 'role'),
        org: claimString(p, 'org'),
      },
      nhsNumber: claimString(p, 'nhs_number'),
      ...(birthDate ? { birthDate } : {}),
      issuer: claimString(p, 'launch_iss'),
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    };
    // jose checked both are numbers (exp is required); nbf is optional.
    return { claims, exp: payload.exp ?? 0, nbf: payload.nbf };
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    if (err instanceof errors.JWTExpired)
      throw new ProblemError('session-expired', 401, { cause: err, headers: bearerChallenge('invalid_token') });
    throw new ProblemError('session-invalid', 401, { cause: err, headers: bearerChallenge('invalid_token') });
  }
}

/**
 * Verifies session tokens like `verifySessionToken`, remembering the claims of tokens it has fully
 * verified (signature, header, issuer, audience, required claims) so a widget's repeated requests
 * with the same token skip the HMAC. Only the exact token string that verified is recognised, and
 * the time checks are made again on every request with that request's `now` — exactly jose's
 * (`exp <= now` is expired, `nbf > now` not yet valid, in whole seconds, no tolerance); a token
 * failing them is verified afresh, so the answer and its problem code are what jose says.
 * Bounded by entries; each is dropped at its token's expiry.
 */
export class SessionVerifier {
  readonly #options: SessionTokenOptions;
  readonly #verified: LRUCache<string, Verified>;

  constructor(options: SessionTokenOptions, maxEntries = 2_000) {
    this.#options = options;
    this.#verified = new LRUCache<string, Verified>({ max: maxEntries });
  }

  async verify(token: string, now: Date): Promise<SessionClaims> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const known = this.#verified.get(token);
    if (known && known.exp > nowSeconds && (known.nbf === undefined || known.nbf <= nowSeconds)) return known.claims;
    const verified = await verifyFully(token, now, this.#options);
    // Kept until it expires (lru-cache measures that on its own clock; the check above uses the request's).
    const ttl = (verified.exp - nowSeconds) * 1000;
    if (ttl > 0) this.#verified.set(token, verified, { ttl });
    return verified.claims;
  }

  /** Tokens remembered (for tests). */
  get size(): number {
    return this.#verified.size;
  }
}

/** RFC 6750 §3: the challenge that tells a client what to do about a refused bearer token. */
export function bearerChallenge(error?: 'invalid_token' | 'invalid_request'): Record<string, string> {
  return {
    'WWW-Authenticate': error ? `Bearer realm="care-sidebar", error="${error}"` : 'Bearer realm="care-sidebar"',
  };
}
