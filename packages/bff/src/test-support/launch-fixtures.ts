import { exportJWK, generateKeyPair, type JWK, type CryptoKey, SignJWT, type JWTHeaderParameters } from 'jose';
import { parseConfig } from '../config/load.ts';
import type { Config, ConfigFile } from '../config/schema.ts';

export const PUBLIC_URL = 'https://bff.care-sidebar.test';
export const SESSION_SECRET_ENV = 'CARE_SIDEBAR_TEST_SESSION_SECRET';
export const TEST_ENV = { [SESSION_SECRET_ENV]: 'test-session-secret-of-at-least-32-bytes!!' };

/** Synthetic patients: NHS numbers from the 999 test range with valid check digits. */
export const PATIENT_A = { nhsNumber: '9990000018', birthDate: '1957-03-12' };
export const PATIENT_B = { nhsNumber: '9990000026', birthDate: '1984-11-02' };

export interface TestIssuer {
  readonly issuer: string;
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function createIssuer(
  issuer: string,
  kid = 'key-1',
  alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA' | 'ES512' = 'ES256',
): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { issuer, kid, alg, privateKey, publicJwk };
}

export function testConfig(overrides: Partial<ConfigFile> = {}): Config {
  const file: ConfigFile = {
    publicUrl: PUBLIC_URL,
    trustedIssuers: [{ issuer: 'https://gp-host.test', jwks: { keys: [{ kty: 'EC', kid: 'placeholder' }] } }],
    clinicalRoles: ['R8000', 'R8003'],
    sources: [{ id: 'hospital-a', name: 'Hospital A', fhirBaseUrl: 'https://fhir.a.test/R4', timeoutMs: 2000 }],
    cache: { ttlSeconds: 60, maxBytes: 10_000_000 },
    audit: { url: 'sqlite::memory:' },
    session: { ttlSeconds: 900, secretEnv: SESSION_SECRET_ENV },
    allowedOrigins: ['https://gp.host.test'],
    ...overrides,
  };
  return parseConfig(file, TEST_ENV);
}

export interface LaunchOptions {
  readonly now?: Date;
  readonly claims?: Record<string, unknown>;
  /** Claims to leave out of the token. */
  readonly omit?: readonly string[];
  readonly header?: Partial<JWTHeaderParameters>;
  readonly lifetimeSeconds?: number;
}

let counter = 0;

/** A launch token as a well-behaved host would sign it, with overrides for attack cases. */
export async function signLaunch(issuer: TestIssuer, options: LaunchOptions = {}): Promise<string> {
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: issuer.issuer,
    aud: PUBLIC_URL,
    iat: now,
    exp: now + (options.lifetimeSeconds ?? 120),
    jti: `jti-${++counter}-${crypto.randomUUID()}`,
    sub: 'urn:uuid:5a0b4d1e-0c3e-4b36-9a41-1c6a4e0f2a11',
    name: 'Dr Ada Testwell',
    role: 'R8000',
    org: 'Y12345',
    nhs_number: PATIENT_A.nhsNumber,
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'JWT', ...options.header })
    .sign(issuer.privateKey);
}
