import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIssuer, signLaunch, testConfig, type TestIssuer } from '../test-support/launch-fixtures.ts';
import { testApp } from '../test-support/test-app.ts';
import { type IssuerKeySet, issuerKeySets, KeySetUnavailableError } from './issuer-key-sets.ts';

const INLINE = 'https://inline-host.test';
const REMOTE = 'https://remote-host.test';
const JWKS = 'https://remote-host.test/.well-known/jwks.json';

let remote: TestIssuer;
let inline: TestIssuer;
let jwksUp = true;
let jwksFetches = 0;
const server = setupServer(
  http.get(JWKS, () => {
    jwksFetches++;
    return jwksUp ? HttpResponse.json({ keys: [remote.publicJwk] }) : HttpResponse.error();
  }),
);

beforeAll(async () => {
  remote = await createIssuer(REMOTE, 'remote-key-1', 'ES256');
  inline = await createIssuer(INLINE, 'inline-key-1', 'ES256');
  server.listen({ onUnhandledFrame: 'error' });
});
beforeEach(() => {
  jwksUp = true;
  jwksFetches = 0;
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const issuers = () => [
  { issuer: INLINE, jwks: { keys: [inline.publicJwk as { kty: string; kid: string }] } },
  { issuer: REMOTE, jwksUri: JWKS },
];

function resolveKey(set: IssuerKeySet | undefined) {
  return set?.resolve({ alg: 'ES256', kid: 'remote-key-1' }, { payload: '', signature: '' });
}

describe('issuer key set status', () => {
  it('is inline for configured keys, unknown before first use, ok after a fetch, unavailable after a failed one', async () => {
    const sets = issuerKeySets(issuers(), {
      fetch: (input, init) => fetch(input, init),
      cacheMaxAgeMs: 50,
      cooldownMs: 0,
    });
    expect(sets.get(INLINE)?.status()).toBe('inline');
    expect(sets.get(REMOTE)?.status()).toBe('unknown');
    expect(jwksFetches).toBe(0); // reading the status fetched nothing

    await resolveKey(sets.get(REMOTE));
    expect(sets.get(REMOTE)?.status()).toBe('ok');

    await new Promise((resolve) => setTimeout(resolve, 80)); // past the cache window
    jwksUp = false;
    await expect(resolveKey(sets.get(REMOTE))).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(sets.get(REMOTE)?.status()).toBe('unavailable');

    jwksUp = true;
    await resolveKey(sets.get(REMOTE));
    expect(sets.get(REMOTE)?.status()).toBe('ok');
  });

  it('/readyz reports each issuer, and an unreachable JWKS leaves the instance ready', async () => {
    jwksUp = false;
    const t = testApp(testConfig({ trustedIssuers: issuers() }));
    const before = (await (await t.request('/readyz')).json()) as { checks: { issuers: Record<string, string> } };
    expect(before.checks.issuers).toEqual({ [INLINE]: 'inline', [REMOTE]: 'unknown' });
    expect(jwksFetches).toBe(0);

    expect((await t.startSession(await signLaunch(remote))).status).toBe(503);
    const ready = await t.request('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { issuers: Record<string, string> } }).checks.issuers).toEqual({
      [INLINE]: 'inline',
      [REMOTE]: 'unavailable',
    });

    jwksUp = true;
    expect((await t.startSession(await signLaunch(remote))).status).toBe(201);
    const after = (await (await t.request('/readyz')).json()) as { checks: { issuers: Record<string, string> } };
    expect(after.checks.issuers[REMOTE]).toBe('ok');
  });
});
