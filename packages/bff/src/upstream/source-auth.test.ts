import type { SummaryView } from '@care-sidebar/shared';
import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.ts';
import {
  createIssuer,
  PATIENT_A,
  PATIENT_B,
  PUBLIC_URL,
  signLaunch,
  TEST_ENV,
  SESSION_SECRET_ENV,
  type TestIssuer,
} from '../test-support/launch-fixtures.ts';
import { testApp } from '../test-support/test-app.ts';

const HOST = 'https://gp-host.test';
const FHIR = 'https://fhir.secure.test/R4';
const TOKEN_URL = 'https://auth.secure.test/oauth2/token';
const CLIENT_ID = 'care-sidebar-client';

let host: TestIssuer;
let publicKey: CryptoKey;
let keyFile: string;
let issued = 0;
let assertions: { jti: string; exp: number; iat: number }[] = [];
let revoked = new Set<string>();
let tokenServerUp = true;

const server = setupServer(
  http.post(TOKEN_URL, async ({ request }) => {
    if (!tokenServerUp) return HttpResponse.json({ error: 'temporarily_unavailable' }, { status: 503 });
    const form = new URLSearchParams(await request.text());
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion') ?? '', publicKey, {
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: TOKEN_URL,
      requiredClaims: ['jti', 'exp', 'iat'],
    });
    expect(protectedHeader.kid).toBe('client-key-1');
    assertions.push({ jti: payload.jti as string, exp: payload.exp as number, iat: payload.iat as number });
    issued++;
    return HttpResponse.json({ access_token: `tok-${issued}`, token_type: 'bearer', expires_in: 300 });
  }),
  http.get(`${FHIR}/:type`, ({ request, params }) => {
    const auth = request.headers.get('authorization') ?? '';
    const token = auth.replace(/^Bearer /, '');
    if (!token.startsWith('tok-') || revoked.has(token)) return new HttpResponse(null, { status: 401 });
    const entry =
      params['type'] === 'Patient' && new URL(request.url).searchParams.get('identifier')?.endsWith(PATIENT_A.nhsNumber)
        ? [
            {
              resource: {
                resourceType: 'Patient',
                id: 'p1',
                identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: PATIENT_A.nhsNumber }],
              },
            },
          ]
        : params['type'] === 'Flag'
          ? [
              {
                resource: {
                  resourceType: 'Flag',
                  id: 'f1',
                  status: 'active',
                  code: { text: 'Secure flag' },
                  subject: { reference: 'Patient/p1' },
                },
              },
            ]
          : [];
    return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', entry });
  }),
);

beforeAll(async () => {
  host = await createIssuer(HOST);
  const pair = await generateKeyPair('RS384', { extractable: true });
  publicKey = pair.publicKey;
  keyFile = join(mkdtempSync(join(tmpdir(), 'care-sidebar-key-')), 'client.pem');
  writeFileSync(keyFile, await exportPKCS8(pair.privateKey));
  server.listen({ onUnhandledFrame: 'error' });
});
afterEach(() => {
  server.resetHandlers();
  issued = 0;
  assertions = [];
  revoked = new Set();
  tokenServerUp = true;
});
afterAll(() => server.close());

function configWith(privateKeyFile: string) {
  return parseConfig(
    {
      publicUrl: PUBLIC_URL,
      trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk] } }],
      clinicalRoles: ['R8000'],
      sources: [
        {
          id: 'secure',
          name: 'Secure Hospital',
          fhirBaseUrl: FHIR,
          timeoutMs: 2000,
          auth: {
            type: 'private_key_jwt',
            tokenUrl: TOKEN_URL,
            clientId: CLIENT_ID,
            privateKeyFile,
            kid: 'client-key-1',
            alg: 'RS384',
          },
        },
      ],
      cache: { ttlSeconds: 0, maxBytes: 0 },
      audit: { url: 'sqlite::memory:' },
      session: { ttlSeconds: 900, secretEnv: SESSION_SECRET_ENV },
    },
    TEST_ENV,
  );
}

async function view(t: ReturnType<typeof testApp>, nhs = PATIENT_A.nhsNumber): Promise<SummaryView> {
  const session = await t.startSession(await signLaunch(host, { now: t.clock.now, claims: { nhs_number: nhs } }));
  const { token } = (await session.json()) as { token: string };
  return (await (
    await t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } })
  ).json()) as SummaryView;
}

describe('private_key_jwt upstream auth', () => {
  it('gets a token with a signed client assertion, and reuses it until shortly before expiry', async () => {
    const t = testApp(configWith(keyFile));
    const v1 = await view(t);
    expect(v1.flags.items.map((f) => f.text)).toEqual(['Secure flag']);
    await view(t, PATIENT_B.nhsNumber);
    expect(issued).toBe(1);
    expect(assertions[0]!.exp - assertions[0]!.iat).toBeLessThanOrEqual(300);
    t.clock.now = new Date(t.clock.now.getTime() + 275_000);
    await view(t);
    expect(issued).toBe(2);
    expect(new Set(assertions.map((a) => a.jti)).size).toBe(2);
  });

  it('fetches a fresh token once when the source refuses the cached one, without looping', async () => {
    const t = testApp(configWith(keyFile));
    await view(t);
    revoked.add('tok-1');
    expect((await view(t)).flags.items).toHaveLength(1);
    expect(issued).toBe(2);

    server.use(http.get(`${FHIR}/:type`, () => new HttpResponse(null, { status: 401 })));
    const refused = await view(t);
    expect(refused.flags.status).toBe('unavailable');
    expect(issued).toBe(3);
  });

  it('marks the source unavailable when the token server is down', async () => {
    tokenServerUp = false;
    const t = testApp(configWith(keyFile));
    expect((await view(t)).results.status).toBe('unavailable');
  });

  it('refuses to start when the private key file cannot be read, naming the setting', () => {
    expect(() => configWith('/nonexistent/client.pem')).toThrow(ConfigError);
    expect(() => configWith('/nonexistent/client.pem')).toThrow(/sources\[0\]\.auth\.privateKeyFile/);
  });
});
