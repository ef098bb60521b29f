import { type CryptoKey, importPKCS8, SignJWT } from 'jose';
import type { SourceConfig } from '../config/schema.ts';
import { UpstreamError } from './fhir-client.ts';

/** Supplies the Authorization header for one source, and forgets a token the source refused. */
export interface SourceAuth {
  headers(signal: AbortSignal): Promise<Record<string, string>>;
  /** Called after a 401: the next `headers()` fetches a fresh token. */
  invalidate(): void;
}

export const NO_AUTH: SourceAuth = { headers: () => Promise.resolve({}), invalidate: () => {} };

/** Refresh this long before the token server says the token expires. */
const EXPIRY_MARGIN_MS = 30_000;
const ASSERTION_LIFETIME_S = 300;

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  token_type?: unknown;
}

/**
 * OAuth 2.0 client_credentials with a private_key_jwt client assertion (RFC 7523, RFC 7521;
 * SMART Backend Services). Tokens are cached until shortly before expiry and fetched single-flight,
 * so a burst of requests at expiry costs one token request. Each assertion has a fresh jti.
 */
export function privateKeyJwtAuth(
  auth: Extract<SourceConfig['auth'], { type: 'private_key_jwt' }>,
  privateKeyPem: string,
  deps: { fetch: typeof fetch; clock: () => Date },
): SourceAuth {
  // Imported on first use and kept; a key that cannot be imported fails that source's calls
  // (auth-unavailable) rather than surfacing as an unhandled rejection.
  let key: Promise<CryptoKey> | undefined;
  const signingKey = (): Promise<CryptoKey> => {
    key ??= importPKCS8(privateKeyPem, auth.alg).catch((err: unknown) => {
      key = undefined;
      throw new UpstreamError('auth-unavailable', { cause: err });
    });
    return key;
  };
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(signal: AbortSignal): Promise<string> {
    const now = Math.floor(deps.clock().getTime() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: auth.alg, kid: auth.kid, typ: 'JWT' })
      .setIssuer(auth.clientId)
      .setSubject(auth.clientId)
      .setAudience(auth.tokenUrl)
      .setJti(crypto.randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .sign(await signingKey());
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...(auth.scope ? { scope: auth.scope } : {}),
    });
    let response: Response;
    try {
      response = await deps.fetch(auth.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      throw new UpstreamError('auth-unavailable', { cause: err });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamError('auth-unavailable', { httpStatus: response.status });
    }
    const json = (await response.json().catch(() => ({}))) as TokenResponse;
    if (typeof json.access_token !== 'string' || json.access_token === '') throw new UpstreamError('auth-unavailable');
    const lifetimeS = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 300;
    cached = { token: json.access_token, expiresAt: deps.clock().getTime() + lifetimeS * 1000 - EXPIRY_MARGIN_MS };
    return json.access_token;
  }

  return {
    async headers(signal) {
      if (cached && cached.expiresAt > deps.clock().getTime()) return { Authorization: `Bearer ${cached.token}` };
      inFlight ??= fetchToken(signal).finally(() => {
        inFlight = undefined;
      });
      return { Authorization: `Bearer ${await inFlight}` };
    },
    invalidate() {
      cached = undefined;
    },
  };
}
