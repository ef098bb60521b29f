import { errors, jwtVerify, SignJWT } from 'jose';
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
    return {
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
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    if (err instanceof errors.JWTExpired)
      throw new ProblemError('session-expired', 401, { cause: err, headers: bearerChallenge('invalid_token') });
    throw new ProblemError('session-invalid', 401, { cause: err, headers: bearerChallenge('invalid_token') });
  }
}

/** RFC 6750 §3: the challenge that tells a client what to do about a refused bearer token. */
export function bearerChallenge(error?: 'invalid_token' | 'invalid_request'): Record<string, string> {
  return {
    'WWW-Authenticate': error ? `Bearer realm="care-sidebar", error="${error}"` : 'Bearer realm="care-sidebar"',
  };
}
