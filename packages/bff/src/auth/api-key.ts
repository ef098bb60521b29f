import { createHash, timingSafeEqual } from 'node:crypto';

/** What an `Authorization` header says about an API key. */
export type ApiKeyCheck =
  /** No `ApiKey` credential at all (perhaps another scheme). */
  | { readonly kind: 'absent' }
  /** An `ApiKey` credential whose digest is not configured. */
  | { readonly kind: 'refused' }
  /** A configured key; `id` names it by a digest prefix, never by the key. */
  | { readonly kind: 'accepted'; readonly id: string };

/**
 * Checks `Authorization: ApiKey <key>` against the configured SHA-256 digests (hex) of the keys —
 * `audit.readers.apiKeySha256` — comparing digests in constant time. The keys themselves are never
 * stored or configured, only their digests.
 */
export function apiKeyChecker(sha256Hex: readonly string[]): (authorization: string | undefined) => ApiKeyCheck {
  const digests = sha256Hex.map((h) => Buffer.from(h, 'hex'));
  return (authorization) => {
    const key = /^ApiKey ([\x21-\x7e]{16,512})$/.exec(authorization ?? '')?.[1];
    if (key === undefined) return { kind: 'absent' };
    const digest = createHash('sha256').update(key, 'utf8').digest();
    if (!digests.some((d) => d.length === digest.length && timingSafeEqual(d, digest))) return { kind: 'refused' };
    return { kind: 'accepted', id: `api-key:${digest.toString('hex').slice(0, 12)}` };
  };
}
