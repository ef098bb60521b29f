import { isValidNhsNumber, type SensitivePolicy } from '@care-sidebar/shared';
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

/** https, or http on a loopback host (development and tests only). */
const serviceUrl = z.string().refine(
  (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.username || url.password || url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  },
  { message: 'must be an https: URL (http: is allowed only for 127.0.0.1, ::1 and localhost)' },
);

const origin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.origin === value && (url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname));
    } catch {
      return false;
    }
  },
  {
    message: 'must be an origin like https://host.example (scheme, host and optional port, no path or trailing slash)',
  },
);

const jwk = z.looseObject({ kty: z.string(), kid: z.string().min(1) });
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');
const sourceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and hyphens');

const trustedIssuer = z.union([
  z.strictObject({ issuer: z.string().min(1), jwksUri: serviceUrl }),
  z.strictObject({
    issuer: z.string().min(1),
    jwks: z.strictObject({ keys: z.array(jwk).min(1, 'must hold at least one key') }),
  }),
]);

const sourceAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('private_key_jwt'),
    tokenUrl: serviceUrl,
    clientId: z.string().min(1),
    privateKeyFile: z.string().min(1),
    kid: z.string().min(1),
    /** Signing algorithm of the client assertion; RS384 and ES384 are what NHS token services commonly expect. */
    alg: z.enum(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256']).default('RS384'),
    scope: z.string().min(1).optional(),
  }),
]);

const source = z.strictObject({
  id: sourceId,
  name: z.string().min(1).max(120),
  fhirBaseUrl: serviceUrl,
  timeoutMs: z.int().min(100).max(30_000).default(4_000),
  auth: sourceAuth.default({ type: 'none' }),
});

const codeList = z.array(z.strictObject({ system: z.string().min(1), code: z.string().min(1) }));

export const configSchema = z
  .strictObject({
    /** Editors' JSON-schema hint; ignored. */
    $schema: z.string().optional(),
    publicUrl: serviceUrl,
    port: z.int().min(1).max(65_535).default(8787),
    /** Address to listen on; loopback by default so nothing is exposed by accident. */
    host: z.string().min(1).default('127.0.0.1'),
    trustedIssuers: z.array(trustedIssuer).min(1, 'must name at least one trusted issuer'),
    clinicalRoles: z.array(z.string().min(1)).min(1, 'must name at least one role'),
    sources: z.array(source).min(1, 'must name at least one source'),
    cache: z
      .strictObject({
        ttlSeconds: z.int().min(0).max(300).default(60),
        maxBytes: z
          .int()
          .min(0)
          .default(64 * 1024 * 1024),
      })
      .default({ ttlSeconds: 60, maxBytes: 64 * 1024 * 1024 }),
    audit: z
      .strictObject({
        /** `sqlite:<path>` (embedded, one instance) or `postgres://user@host:port/db[?schema=name]` (scale-out). */
        url: z
          .string()
          .refine((url) => /^sqlite:.+$/.test(url) || /^postgres(ql)?:\/\/.+$/.test(url), {
            message: 'must be sqlite:<path> or postgres://user@host:port/database',
          })
          .refine((url) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url), {
            message:
              'must not contain a password: name its environment variable in audit.passwordEnv, or set PGPASSWORD',
          })
          .default('sqlite:./data/audit.db'),
        /** The environment variable holding the PostgreSQL password (else pg reads PGPASSWORD, ~/.pgpass). */
        passwordEnv: envName.optional(),
        /**
         * Extra time (ms) the first record of a group commit may wait for others when no commit is in
         * flight. 0 (default): none — it commits at once, and records arriving during a commit share the next.
         */
        groupCommitMs: z.int().min(0).max(50).default(0),
        /** Who may read the audit (GET /api/v1/audit): API keys by SHA-256 (hex), and launch-token roles. */
        readers: z
          .strictObject({
            apiKeySha256: z
              .array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lower-case hex'))
              .default([]),
            igRoles: z.array(z.string().min(1)).default([]),
          })
          .default({ apiKeySha256: [], igRoles: [] }),
        /**
         * How long records are kept. `days: null` (the default) keeps them for ever: nothing is deleted
         * automatically, and `npm run audit -- purge` uses `days` only when run (with IG sign-off).
         */
        retention: z.strictObject({ days: z.int().min(1).nullable().default(null) }).default({ days: null }),
      })
      .default({
        url: 'sqlite:./data/audit.db',
        groupCommitMs: 0,
        readers: { apiKeySha256: [], igRoles: [] },
        retention: { days: null },
      }),
    session: z.strictObject({
      ttlSeconds: z.int().min(60).max(3_600).default(900),
      secretEnv: envName,
    }),
    allowedOrigins: z.array(origin).default([]),
    /** How upstream calls are bounded and what is asked for. */
    upstream: z
      .strictObject({
        /** The whole summary answers within this, with whatever the sources gave by then. */
        summaryDeadlineMs: z.int().min(500).max(60_000).default(8_000),
        /** How long a tripped circuit breaker fails fast before one probe is let through. */
        breakerOpenMs: z.int().min(100).max(600_000).default(5_000),
        /** Responses larger than this are abandoned. */
        maxResponseBytes: z
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(5 * 1024 * 1024),
        /** Results older than this many months are not asked for or shown. */
        resultsWindowMonths: z.int().min(1).max(240).default(24),
      })
      .default({
        summaryDeadlineMs: 8_000,
        breakerOpenMs: 5_000,
        maxResponseBytes: 5 * 1024 * 1024,
        resultsWindowMonths: 24,
      }),
    /** The local opt-out list: NHS numbers inline and/or in a file (one per line, # comments). */
    optOut: z
      .strictObject({
        nhsNumbers: z.array(z.string().refine(isValidNhsNumber, 'must be a valid 10-digit NHS number')).default([]),
        file: z.string().min(1).optional(),
      })
      .default({ nhsNumbers: [] }),
    /**
     * Sensitive categories never shown: the documented default list (docs/sensitive-codes.md) plus
     * `codes` and `securityLabels`, minus `allow`. A plain list adds codes to the default.
     */
    sensitiveCodes: z
      .union([
        z.strictObject({
          useDefault: z.boolean().default(true),
          codes: codeList.default([]),
          securityLabels: codeList.default([]),
          allow: codeList.default([]),
        }),
        codeList.transform((codes) => ({ useDefault: true, codes, securityLabels: [], allow: [] })),
      ])
      .default({ useDefault: true, codes: [], securityLabels: [], allow: [] }),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    config.sources.forEach((s, i) => {
      if (ids.has(s.id))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicates another source id "${s.id}"` });
      ids.add(s.id);
    });
    const issuers = new Set<string>();
    config.trustedIssuers.forEach((t, i) => {
      if (issuers.has(t.issuer))
        ctx.addIssue({ code: 'custom', path: ['trustedIssuers', i, 'issuer'], message: 'is listed twice' });
      issuers.add(t.issuer);
    });
  });

export type ConfigFile = z.input<typeof configSchema>;
/** The validated configuration as read from the file (secrets are still only named). */
export type ConfigSettings = z.output<typeof configSchema>;
export type SourceConfig = ConfigSettings['sources'][number];
export type TrustedIssuerConfig = ConfigSettings['trustedIssuers'][number];

/** Settings plus the secrets they name, resolved once at start-up. */
export interface Config extends ConfigSettings {
  readonly sessionSecret: Uint8Array;
  /** PEM private keys for sources using private_key_jwt, read from their `privateKeyFile`, by source id. */
  readonly sourceKeys: ReadonlyMap<string, string>;
  /** The effective sensitive-data policy (default list, additions, carve-outs). */
  readonly sensitivePolicy: SensitivePolicy;
  /** The local opt-out list, from `optOut.nhsNumbers` and `optOut.file`. */
  readonly localOptOuts: ReadonlySet<string>;
  /** The PostgreSQL audit password, from the variable `audit.passwordEnv` names. */
  readonly auditPassword?: string;
}
