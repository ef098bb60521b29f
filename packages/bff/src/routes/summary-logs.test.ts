import type { Resource } from '@medplum/fhirtypes';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeFhirSource } from '../test-support/fhir-source.ts';
import { createIssuer, PATIENT_A, signLaunch, testConfig, type TestIssuer } from '../test-support/launch-fixtures.ts';
import { testApp } from '../test-support/test-app.ts';

const HOST = 'https://gp-host.test';
const A = 'https://fhir.a.test/R4';
const B = 'https://fhir.b.test/R4';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

const patient = (id: string): Resource => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: NHS, value: PATIENT_A.nhsNumber }],
  birthDate: PATIENT_A.birthDate,
});

const server = setupServer();
let host: TestIssuer;

beforeAll(async () => {
  host = await createIssuer(HOST);
  server.listen({ onUnhandledFrame: 'error' });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('summary log lines', () => {
  it('one "source answered" line per upstream fetch, and each view’s outcome per source on its request line', async () => {
    const calls: string[] = [];
    server.use(
      fakeFhirSource({ baseUrl: A, resources: [patient('a-1')], calls }),
      fakeFhirSource({ baseUrl: B, resources: [], calls }),
    );
    const t = testApp(
      testConfig({
        trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
        sources: [
          { id: 'hospital-a', name: 'Hospital A', fhirBaseUrl: A, timeoutMs: 2_000 },
          { id: 'hospital-b', name: 'Hospital B', fhirBaseUrl: B, timeoutMs: 2_000 },
        ],
        cache: { ttlSeconds: 60, maxBytes: 10_000_000 },
      }),
    );
    const session = await t.startSession(await signLaunch(host, { now: t.clock.now }));
    const { token } = (await session.json()) as { token: string };
    const view = () => t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });

    expect((await view()).status).toBe(200);
    const fetched = t.logs.filter((l) => l.msg === 'source answered');
    expect(fetched.map((l) => [l['source'], l['outcome']]).sort()).toEqual([
      ['hospital-a', 'ok'],
      ['hospital-b', 'not-found'],
    ]);
    const callsAfterFirst = calls.length;

    // From the cache: no upstream call, no source line, and the request line still says what each source gave.
    t.logs.length = 0;
    expect((await view()).status).toBe(200);
    expect(calls.length).toBe(callsAfterFirst);
    expect(t.logs.filter((l) => l.msg === 'source answered')).toEqual([]);
    const requestLines = t.logs.filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      route: '/api/v1/summary',
      status: 200,
      sources: 'hospital-a:ok,hospital-b:not-found',
    });
    // Ids and outcomes only: nothing that names the patient.
    expect(JSON.stringify(t.logs)).not.toContain(PATIENT_A.nhsNumber);
  });
});
