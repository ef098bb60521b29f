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
 * How usable an issuer's key set is now, for readiness detail; reading it never fetches anything.
 * - `inline`: keys from the config, always usable.
 * - `ok`: the JWKS was fetched successfully within the cache window (`cacheMaxAgeMs`).
 * - `unavailable`: the last fetch failed and no keys fetched within the window are left.
 * - `unknown`: not fetched yet (the first launch fetches it), or the keys aged out unused.
 */
export type KeySetStatus = 'inline' | 'ok' | 'unavailable' | 'unknown';

export interface IssuerKeySet {
  readonly resolve: JWTVerifyGetKey;
  status(): KeySetStatus;
}

/**
 * One key resolver per trusted issuer, never a merged set: a key of issuer B can never
 * verify a token claiming to be from issuer A (RFC 8725 §3.8).
 */
export function issuerKeySets(
  issuers: readonly TrustedIssuerConfig[],
  options: KeySetOptions,
): ReadonlyMap<string, IssuerKeySet> {
  const sets = new Map<string, IssuerKeySet>();
  for (const issuer of issuers) {
    if (!('jwksUri' in issuer)) {
      sets.set(issuer.issuer, {
        resolve: distinguishUnavailable(createLocalJWKSet(issuer.jwks)),
        status: () => 'inline',
      });
      continue;
    }
    const remote = createRemoteJWKSet(new URL(issuer.jwksUri), {
      timeoutDuration: options.timeoutMs ?? 2_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: options.cooldownMs ?? 30_000,
      [customFetch]: options.fetch,
    });
    let lastFetchFailed = false;
    sets.set(issuer.issuer, {
      resolve: distinguishUnavailable(remote, (failed) => (lastFetchFailed = failed)),
      status: () => (remote.fresh ? 'ok' : lastFetchFailed ? 'unavailable' : 'unknown'),
    });
  }
  return sets;
}

// "No such key" is the token's fault (401); a key set that cannot be fetched or parsed is ours (503).
// `fetched` hears whether the key set could be had at all (false: fetch or parse failed).
function distinguishUnavailable(
  resolve: JWTVerifyGetKey,
  fetched: (failed: boolean) => void = () => {},
): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      const key = await resolve(header, token);
      fetched(false);
      return key;
    } catch (err) {
      const tokenFault =
        err instanceof errors.JWKSNoMatchingKey ||
        err instanceof errors.JWKSMultipleMatchingKeys ||
        err instanceof errors.JOSENotSupported ||
        err instanceof errors.JOSEAlgNotAllowed;
      fetched(!tokenFault);
      if (tokenFault) throw err;
      throw new KeySetUnavailableError('issuer key set unavailable', { cause: err });
    }
  };
}
