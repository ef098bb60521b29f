/**
 * A stand-in for a GP host system: its own signing keys, a JWKS endpoint, and launch tokens
 * signed as the launch contract in the README says. Uses jose only; no project code.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export type HostAlg = 'RS256' | 'ES256';

export interface HostIssuer {
  readonly issuer: string;
  readonly alg: HostAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public key as published in the issuer's JWKS. */
  readonly publicJwk: JWK;
}

export async function createHostIssuer(issuer: string, alg: HostAlg, kid: string): Promise<HostIssuer> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { issuer, alg, kid, privateKey, publicJwk };
}

export interface JwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  readonly jwksUri: string;
  /** How many times the key set was fetched. */
  readonly fetches: () => number;
  close(): Promise<void>;
}

/** Publishes `keys` at `/.well-known/jwks.json` on 127.0.0.1, on a random free port. */
export async function startJwksServer(keys: readonly JWK[]): Promise<JwksServer> {
  let fetches = 0;
  const body = JSON.stringify({ keys });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      fetches++;
      res.writeHead(200, { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'max-age=300' });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The user at the GP system keyboard. */
export interface HostUser {
  readonly sub: string;
  readonly name: string;
  readonly role: string;
  readonly org: string;
}

/** Claims of a launch token; anything here may be overridden to build a bad token. */
export type LaunchClaims = Record<string, unknown>;

export interface LaunchOptions {
  readonly audience: string;
  readonly user: HostUser;
  readonly nhsNumber: string;
  readonly birthDate?: string;
  /** Seconds since the epoch; default now. */
  readonly issuedAt?: number;
  /** Seconds; default 120. */
  readonly lifetime?: number;
  /** Replaces or adds claims after the defaults (use `undefined` to drop one). */
  readonly claims?: LaunchClaims;
}

export function launchClaims(issuer: HostIssuer, options: LaunchOptions): LaunchClaims {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const claims: LaunchClaims = {
    iss: issuer.issuer,
    aud: options.audience,
    iat,
    exp: iat + (options.lifetime ?? 120),
    jti: randomUUID(),
    sub: options.user.sub,
    name: options.user.name,
    role: options.user.role,
    org: options.user.org,
    nhs_number: options.nhsNumber,
    ...(options.birthDate ? { birthdate: options.birthDate } : {}),
    ...options.claims,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

export interface SignOptions {
  /** Sign with another issuer's key (default: the issuer's own). */
  readonly signer?: HostIssuer;
  /** Header `kid` (default: the signer's). */
  readonly kid?: string;
}

/** A compact JWS: header `{alg, kid, typ: 'JWT'}`, signed with the issuer's private key. */
export function signLaunch(issuer: HostIssuer, claims: LaunchClaims, options: SignOptions = {}): Promise<string> {
  const signer = options.signer ?? issuer;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, kid: options.kid ?? signer.kid, typ: 'JWT' })
    .sign(signer.privateKey);
}

/** An unsecured JWT (`alg: none`, empty signature): must never be accepted. */
export function unsignedLaunch(kid: string, claims: LaunchClaims): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT', kid })}.${part(claims)}.`;
}
