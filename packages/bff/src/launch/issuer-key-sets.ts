import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import type { TrustedIssuerConfig } from '../config/schema.ts';

/** The issuer's key set could not be fetched or read: new launches fail closed (503), not 401. */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
}

export interface KeySetOptions {
  readonly fetch: typeof fetch;
  /** How long one JWKS fetch may take. */
  readonly timeoutMs?: number;
  /** How long fetched keys are trusted without a refresh; after that an unreachable JWKS fails new launches. */
  readonly cacheMaxAgeMs?: number;
  /** Minimum time between refetches (an unknown-kid flood costs at most one fetch per window). */
  readonly cooldownMs?: number;
}

/**
 * One key resolver per trusted issuer, never a merged set: a key of issuer B can never
 * verify a token claiming to be from issuer A (RFC 8725 §3.8).
 */
export function issuerKeySets(
  issuers: readonly TrustedIssuerConfig[],
  options: KeySetOptions,
): ReadonlyMap<string, JWTVerifyGetKey> {
  const sets = new Map<string, JWTVerifyGetKey>();
  for (const issuer of issuers) {
    const resolve =
      'jwksUri' in issuer
        ? createRemoteJWKSet(new URL(issuer.jwksUri), {
            timeoutDuration: options.timeoutMs ?? 2_000,
            cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
            cooldownDuration: options.cooldownMs ?? 30_000,
            [customFetch]: options.fetch,
          })
        : createLocalJWKSet(issuer.jwks);
    sets.set(issuer.issuer, distinguishUnavailable(resolve));
  }
  return sets;
}

// "No such key" is the token's fault (401); a key set that cannot be fetched or parsed is ours (503).
function distinguishUnavailable(resolve: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      if (err instanceof errors.JOSENotSupported || err instanceof errors.JOSEAlgNotAllowed) throw err;
      throw new KeySetUnavailableError('issuer key set unavailable', { cause: err });
    }
  };
}
