import { problemType } from '@care-sidebar/shared';
import { base64url, type CryptoKey, exportSPKI, importJWK } from 'jose';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIssuer, PATIENT_A, signLaunch, testConfig, type TestIssuer } from '../test-support/launch-fixtures.ts';
import { testApp, type TestApp } from '../test-support/test-app.ts';

const HOST = 'https://gp-host.test';
const OTHER_HOST = 'https://other-host.test';
const REMOTE_HOST = 'https://remote-host.test';
const REMOTE_JWKS = 'https://remote-host.test/.well-known/jwks.json';

let host: TestIssuer;
let other: TestIssuer;
let remote: TestIssuer;
let jwksUp = true;
let jwksFetches = 0;
const server = setupServer(
  http.get(REMOTE_JWKS, () => {
    jwksFetches++;
    return jwksUp ? HttpResponse.json({ keys: [remote.publicJwk] }) : HttpResponse.error();
  }),
);

beforeAll(async () => {
  host = await createIssuer(HOST, 'host-key-1', 'ES256');
  other = await createIssuer(OTHER_HOST, 'other-key-1', 'RS256');
  remote = await createIssuer(REMOTE_HOST, 'remote-key-1', 'PS256');
  server.listen({ onUnhandledFrame: 'error' });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function config() {
  return testConfig({
    trustedIssuers: [
      { issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } },
      { issuer: OTHER_HOST, jwks: { keys: [other.publicJwk as { kty: string; kid: string }] } },
      { issuer: REMOTE_HOST, jwksUri: REMOTE_JWKS },
    ],
  });
}

let t: TestApp;
beforeEach(() => {
  jwksUp = true;
  jwksFetches = 0;
  t = testApp(config());
});

async function expectRefused(res: Response, code: string, status = 401): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string; code: string; status: number };
  expect(body.type).toBe(problemType(code as never));
  expect(body.status).toBe(status);
  const [latest] = await t.audit.recent(1);
  expect(latest?.action).toBe('launch-refused');
  expect(latest?.outcome).toBe('refused');
  expect(latest?.reason).toBe(code);
}

function unsigned(header: object, claims: object, signature = ''): string {
  const enc = (o: object) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(claims)}.${signature}`;
}

function validClaims(now = new Date()) {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: HOST,
    aud: 'https://bff.care-sidebar.test',
    iat,
    exp: iat + 120,
    jti: crypto.randomUUID(),
    sub: 'user-1',
    name: 'Dr Ada Testwell',
    role: 'R8000',
    org: 'Y12345',
    nhs_number: PATIENT_A.nhsNumber,
  };
}

describe('POST /api/v1/session', () => {
  it('starts a session bound to user and patient, and audits it', async () => {
    const res = await t.startSession(await signLaunch(host));
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      token: string;
      expiresAt: string;
      patient: { nhsNumber: string };
      user: { id: string };
    };
    expect(body.patient.nhsNumber).toBe(PATIENT_A.nhsNumber);
    expect(body.user).toEqual({
      id: 'urn:uuid:5a0b4d1e-0c3e-4b36-9a41-1c6a4e0f2a11',
      name: 'Dr Ada Testwell',
      role: 'R8000',
      org: 'Y12345',
    });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(800_000);
    expect(body.token.split('.')).toHaveLength(3);
    const [record] = await t.audit.recent(1);
    expect(record).toMatchObject({
      action: 'session-start',
      outcome: 'started',
      userVerified: true,
      nhsNumber: PATIENT_A.nhsNumber,
      issuer: HOST,
    });
    expect(record?.user).toMatchObject({ id: body.user.id, role: 'R8000', org: 'Y12345' });
  });

  it('accepts each allowed algorithm from its own issuer (ES256, RS256, PS256 by JWKS URL)', async () => {
    expect((await t.startSession(await signLaunch(other))).status).toBe(201);
    expect((await t.startSession(await signLaunch(remote))).status).toBe(201);
    const ed = await createIssuer(HOST, 'ed-key', 'EdDSA');
    const t2 = testApp(
      testConfig({
        trustedIssuers: [{ issuer: HOST, jwks: { keys: [ed.publicJwk as { kty: string; kid: string }] } }],
      }),
    );
    expect((await t2.startSession(await signLaunch(ed))).status).toBe(201);
  });

  it('accepts the public URL as audience with or without a trailing slash, and nothing else', async () => {
    expect(
      (await t.startSession(await signLaunch(host, { claims: { aud: 'https://bff.care-sidebar.test/' } }))).status,
    ).toBe(201);
    const slashConfigured = testApp(
      testConfig({
        publicUrl: 'https://bff.care-sidebar.test/',
        trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
      }),
    );
    expect((await slashConfigured.startSession(await signLaunch(host))).status).toBe(201);
    await expectRefused(
      await t.startSession(await signLaunch(host, { claims: { aud: 'https://bff.care-sidebar.test/api' } })),
      'launch-invalid',
    );
  });

  it('accepts a token that expired 20 s ago, inside the 30 s clock skew', async () => {
    const now = new Date();
    const launch = await signLaunch(host, { now: new Date(now.getTime() - 140_000), lifetimeSeconds: 120 });
    expect((await t.startSession(launch)).status).toBe(201);
  });

  describe('HAZ-004: refuses, with 401 problem+json and an audit record', () => {
    it('an expired token', async () => {
      const launch = await signLaunch(host, { now: new Date(Date.now() - 200_000), lifetimeSeconds: 120 });
      await expectRefused(await t.startSession(launch), 'launch-expired');
    });

    it('a token not yet valid (nbf in the future)', async () => {
      const nbf = Math.floor(Date.now() / 1000) + 120;
      await expectRefused(await t.startSession(await signLaunch(host, { claims: { nbf } })), 'launch-not-yet-valid');
    });

    it('a token issued in the future (iat beyond the skew)', async () => {
      const launch = await signLaunch(host, { now: new Date(Date.now() + 120_000) });
      await expectRefused(await t.startSession(launch), 'launch-not-yet-valid');
    });

    it('a lifetime over 300 s', async () => {
      await expectRefused(
        await t.startSession(await signLaunch(host, { lifetimeSeconds: 301 })),
        'launch-lifetime-too-long',
      );
    });

    it('a token issued more than 300 s ago even if exp is far', async () => {
      const iat = Math.floor(Date.now() / 1000) - 600;
      await expectRefused(
        await t.startSession(await signLaunch(host, { claims: { iat, exp: iat + 660 } })),
        'launch-expired',
      );
    });

    it('a wrong aud, and an aud array naming another audience too', async () => {
      await expectRefused(
        await t.startSession(await signLaunch(host, { claims: { aud: 'https://other.test' } })),
        'launch-invalid',
      );
      const both = await signLaunch(host, { claims: { aud: ['https://other.test', 'https://bff.care-sidebar.test'] } });
      await expectRefused(await t.startSession(both), 'launch-invalid');
    });

    it('an untrusted iss, without fetching anything', async () => {
      const evil = await createIssuer('https://evil.test', 'host-key-1');
      await expectRefused(await t.startSession(await signLaunch(evil)), 'launch-untrusted-issuer');
      expect(jwksFetches).toBe(0);
    });

    it('alg none, in any letter case', async () => {
      for (const alg of ['none', 'None', 'NONE']) {
        await expectRefused(
          await t.startSession(unsigned({ alg, kid: host.kid, typ: 'JWT' }, validClaims())),
          'launch-invalid',
        );
      }
    });

    it('HS256 signed with the issuer public key (key confusion)', async () => {
      const rsa = other;
      const pem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
      const head = base64url.encode(JSON.stringify({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' }));
      const body = base64url.encode(JSON.stringify({ ...validClaims(), iss: OTHER_HOST }));
      for (const secret of [pem, JSON.stringify(rsa.publicJwk)]) {
        const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
        await expectRefused(await t.startSession(`${head}.${body}.${sig}`), 'launch-invalid');
      }
    });

    it('a token signed by an unknown key that reuses a known kid', async () => {
      const impostor = await createIssuer(HOST, host.kid, 'ES256');
      await expectRefused(await t.startSession(await signLaunch(impostor)), 'launch-invalid');
    });

    it("a token claiming issuer A signed with issuer B's real key (cross-issuer forgery)", async () => {
      const forged = await signLaunch({ ...other, issuer: HOST });
      await expectRefused(await t.startSession(forged), 'launch-invalid');
    });

    it('an unknown kid', async () => {
      await expectRefused(
        await t.startSession(await signLaunch(host, { header: { kid: 'no-such-key' } })),
        'launch-invalid',
      );
    });

    it('a missing kid, a typ other than JWT, and an algorithm off the list', async () => {
      const noKid = unsigned({ alg: 'ES256', typ: 'JWT' }, validClaims(), 'AAAA');
      await expectRefused(await t.startSession(noKid), 'launch-invalid');
      await expectRefused(
        await t.startSession(await signLaunch(host, { header: { typ: 'at+jwt' } })),
        'launch-invalid',
      );
      const es512 = await createIssuer(HOST, 'host-key-512', 'ES512');
      const t2 = testApp(
        testConfig({
          trustedIssuers: [{ issuer: HOST, jwks: { keys: [es512.publicJwk as { kty: string; kid: string }] } }],
        }),
      );
      t = t2;
      await expectRefused(await t2.startSession(await signLaunch(es512)), 'launch-invalid');
    });

    it('an unknown critical header', async () => {
      // Signed by hand: jose itself refuses to sign with an unknown crit.
      const head = base64url.encode(
        JSON.stringify({ alg: 'ES256', kid: host.kid, typ: 'JWT', crit: ['x-ext'], 'x-ext': 1 }),
      );
      const body = base64url.encode(JSON.stringify(validClaims()));
      const sig = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        host.privateKey,
        new TextEncoder().encode(`${head}.${body}`),
      );
      const token = `${head}.${body}.${base64url.encode(new Uint8Array(sig))}`;
      await expectRefused(await t.startSession(token), 'launch-invalid');
      // The same hand-signing without crit is accepted, so the refusal above is about crit alone.
      const plainHead = base64url.encode(JSON.stringify({ alg: 'ES256', kid: host.kid, typ: 'JWT' }));
      const plainSig = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        host.privateKey,
        new TextEncoder().encode(`${plainHead}.${body}`),
      );
      expect((await t.startSession(`${plainHead}.${body}.${base64url.encode(new Uint8Array(plainSig))}`)).status).toBe(
        201,
      );
    });

    for (const claim of ['nhs_number', 'sub', 'jti', 'exp', 'iat', 'name', 'role', 'org']) {
      it(`a token missing ${claim}`, async () => {
        const res = await t.startSession(await signLaunch(host, { omit: [claim] }));
        await expectRefused(res, 'launch-incomplete');
      });
    }

    it('an NHS number with a wrong check digit, or not 10 digits', async () => {
      for (const nhs of ['9990000019', '999000001', '999 000 0018', 9990000018]) {
        await expectRefused(
          await t.startSession(await signLaunch(host, { claims: { nhs_number: nhs } })),
          nhs === 9990000018 ? 'launch-incomplete' : 'launch-invalid-patient',
        );
      }
    });

    it('claims with control characters (log and audit injection)', async () => {
      await expectRefused(
        await t.startSession(await signLaunch(host, { claims: { name: 'Dr X\r\n2026 AUDIT ok' } })),
        'launch-incomplete',
      );
    });

    it('a replayed token, and records the replay', async () => {
      const launch = await signLaunch(host);
      expect((await t.startSession(launch)).status).toBe(201);
      await expectRefused(await t.startSession(launch), 'launch-replayed');
      const [replay] = await t.audit.recent(1);
      expect(replay?.userVerified).toBe(true);
    });

    it('concurrent replays: exactly one succeeds', async () => {
      const launch = await signLaunch(host);
      const statuses = (await Promise.all(Array.from({ length: 20 }, () => t.startSession(launch)))).map(
        (r) => r.status,
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    });

    it('a 100 KB token', async () => {
      await expectRefused(await t.startSession('a'.repeat(100 * 1024)), 'launch-invalid');
    });

    it('a garbage string', async () => {
      for (const garbage of ['garbage', 'a.b.c', 'a.b.c.d', '...', '\u0000']) {
        await expectRefused(await t.startSession(garbage), 'launch-invalid');
      }
    });

    it('a missing body, a body without launch, and a body that is not JSON', async () => {
      await expectRefused(await t.request('/api/v1/session', { method: 'POST' }), 'launch-invalid');
      await expectRefused(
        await t.request('/api/v1/session', {
          method: 'POST',
          body: '{}',
          headers: { 'Content-Type': 'application/json' },
        }),
        'launch-invalid',
      );
      await expectRefused(
        await t.request('/api/v1/session', {
          method: 'POST',
          body: 'launch=x',
          headers: { 'Content-Type': 'text/plain' },
        }),
        'launch-invalid',
      );
    });

    it('records what an unverified token claimed, marked unverified', async () => {
      const launch = await signLaunch(host, { header: { kid: 'no-such-key' }, claims: { name: 'Dr Claimed' } });
      await t.startSession(launch);
      const [record] = await t.audit.recent(1);
      expect(record?.userVerified).toBe(false);
      expect(record?.user?.name).toBe('Dr Claimed');
      expect(record?.nhsNumber).toBe(PATIENT_A.nhsNumber);
    });
  });

  it('HAZ-005: refuses a role that is not clinical with 403 and audits it', async () => {
    await expectRefused(
      await t.startSession(await signLaunch(host, { claims: { role: 'R5080' } })),
      'insufficient-role',
      403,
    );
  });

  it('answers 413 for a body over the limit, before parsing it', async () => {
    const res = await t.request('/api/v1/session', {
      method: 'POST',
      body: 'x'.repeat(200 * 1024),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('payload-too-large');
  });

  describe('when an issuer JWKS URL is unreachable', () => {
    it('fails new launches closed with 503, while sessions already started keep working', async () => {
      const first = await t.startSession(await signLaunch(remote));
      expect(first.status).toBe(201);
      const { token } = (await first.json()) as { token: string };

      // A fresh app has no cached keys; the JWKS host is down.
      jwksUp = false;
      const cold = testApp(config());
      const res = await cold.startSession(await signLaunch(remote));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('launch-verification-unavailable');
      // Issuers with inline keys are unaffected.
      expect((await cold.startSession(await signLaunch(host))).status).toBe(201);

      // The session minted earlier is verified with the BFF's own key: still good.
      // A hospital that does not know the patient (its data searches go out with the Patient search).
      server.use(
        http.get('https://fhir.a.test/R4/:type', () =>
          HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', entry: [] }),
        ),
      );
      const summary = await t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });
      expect(summary.status).toBe(200);
    });
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await t.request('/api/v1/session', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
