import { problemType, type SummaryView } from '@care-sidebar/shared';
import type { Resource } from '@medplum/fhirtypes';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../audit/sqlite-audit-store.ts';
import { fakeFhirSource } from '../test-support/fhir-source.ts';
import {
  createIssuer,
  PATIENT_A,
  PATIENT_B,
  signLaunch,
  testConfig,
  type TestIssuer,
} from '../test-support/launch-fixtures.ts';
import { testApp, type TestApp } from '../test-support/test-app.ts';

const HOST = 'https://gp-host.test';
const A = 'https://fhir.a.test/R4';
const B = 'https://fhir.b.test/R4';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const API_KEY = 'metrics-scraper-key-abcdefghij';
const scraper = { Authorization: `ApiKey ${API_KEY}` };
const SYNTHETIC_NHS_NUMBERS = [PATIENT_A.nhsNumber, PATIENT_B.nhsNumber];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const resources: Resource[] = [
  { resourceType: 'Patient', id: 'pa', identifier: [{ system: NHS, value: PATIENT_A.nhsNumber }] },
  {
    resourceType: 'DocumentReference',
    id: 'letter-1',
    status: 'current',
    type: { text: 'Discharge summary' },
    subject: { reference: 'Patient/pa' },
    date: '2026-11-18T16:00:00Z',
    description: 'Discharge summary',
    content: [{ attachment: { contentType: 'text/plain', data: b64('Home today.') } }],
  },
];

let host: TestIssuer;
const server = setupServer(
  fakeFhirSource({ baseUrl: A, resources }),
  // Hospital B knows nobody.
  fakeFhirSource({ baseUrl: B, resources: [] }),
);
const stores: SqliteAuditStore[] = [];

beforeAll(async () => {
  host = await createIssuer(HOST);
  server.listen({ onUnhandledFrame: 'error' });
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  for (const store of stores) await store.close();
});

function app(options: { fileStore?: boolean } = {}): TestApp {
  const config = testConfig({
    trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
    sources: [
      { id: 'hospital-a', name: 'Hospital A', fhirBaseUrl: A, timeoutMs: 1000 },
      { id: 'hospital-b', name: 'Hospital B', fhirBaseUrl: B, timeoutMs: 1000 },
    ],
    audit: {
      url: 'sqlite::memory:',
      readers: { apiKeySha256: [createHash('sha256').update(API_KEY).digest('hex')], igRoles: ['R8010'] },
    },
  });
  if (!options.fileStore) return testApp(config);
  // A file-backed store group-commits (an in-memory one commits each append at once).
  const store = SqliteAuditStore.open(join(mkdtempSync(join(tmpdir(), 'care-sidebar-metrics-')), 'audit.db'));
  stores.push(store);
  return testApp(config, { audit: store });
}

async function scrape(t: TestApp): Promise<string> {
  const res = await t.request('/metrics', { headers: scraper });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample, by its exact name and label set as exposed; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function session(t: TestApp, nhsNumber = PATIENT_A.nhsNumber): Promise<string> {
  const res = await t.startSession(await signLaunch(host, { claims: { nhs_number: nhsNumber } }));
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

function summary(t: TestApp, token: string): Promise<Response> {
  return t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });
}

describe('GET /metrics', () => {
  it('refuses a scrape without the API key, with a wrong key and with a session token (401 problem)', async () => {
    const t = app();
    const token = await session(t);
    for (const headers of [
      {},
      { Authorization: 'ApiKey wrong-key-abcdefghijabcdef' },
      { Authorization: `Bearer ${token}` },
      { Authorization: API_KEY },
    ]) {
      const res = await t.request('/metrics', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('www-authenticate')).toContain('ApiKey');
      expect(((await res.json()) as { type: string }).type).toBe(problemType('unauthenticated'));
    }
    expect((await t.request('/metrics', { method: 'POST', headers: scraper })).status).toBe(405);
  });

  it('serves Prometheus text with the API key, every metric present from the start', async () => {
    const t = app();
    const res = await t.request('/metrics', { headers: scraper });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'care_sidebar_http_requests_total',
      'care_sidebar_http_request_duration_seconds',
      'care_sidebar_upstream_requests_total',
      'care_sidebar_upstream_request_duration_seconds',
      'care_sidebar_upstream_chained_search_distrusted_total',
      'care_sidebar_upstream_optional_parameters_refused_total',
      'care_sidebar_circuit_breaker_state',
      'care_sidebar_cache_hits_total',
      'care_sidebar_cache_misses_total',
      'care_sidebar_cache_coalesced_total',
      'care_sidebar_cache_bytes',
      'care_sidebar_audit_queue_depth',
      'care_sidebar_audit_commit_duration_seconds',
      'care_sidebar_audit_commit_batch_records',
      'care_sidebar_audit_commit_failures_total',
      'care_sidebar_launches_refused_total',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'care_sidebar_circuit_breaker_state{source="hospital-a"}')).toBe(0);
    expect(sample(text, 'care_sidebar_circuit_breaker_state{source="hospital-b"}')).toBe(0);
    // Process metrics belong to the process's owner (main.ts), not to every app built in a test.
    expect(text).not.toContain('process_cpu');
  });

  it('counts requests by route pattern, upstream calls by source and outcome, and cache hits and misses', async () => {
    const t = app();
    const token = await session(t);
    expect((await summary(t, token)).status).toBe(200);
    let text = await scrape(t);
    const viewed = 'care_sidebar_http_requests_total{method="GET",route="/api/v1/summary",status="200"}';
    expect(sample(text, viewed)).toBe(1);
    expect(sample(text, 'care_sidebar_http_requests_total{method="POST",route="/api/v1/session",status="201"}')).toBe(
      1,
    );
    const upstreamA = 'care_sidebar_upstream_requests_total{source="hospital-a",operation="record",outcome="ok"}';
    const upstreamB =
      'care_sidebar_upstream_requests_total{source="hospital-b",operation="record",outcome="not-found"}';
    expect(sample(text, upstreamA)).toBe(1);
    expect(sample(text, upstreamB)).toBe(1);
    expect(
      sample(
        text,
        'care_sidebar_upstream_request_duration_seconds_count{source="hospital-a",operation="record",outcome="ok"}',
      ),
    ).toBe(1);
    expect(sample(text, 'care_sidebar_cache_misses_total')).toBe(2);
    expect(sample(text, 'care_sidebar_cache_hits_total')).toBe(0);
    expect(sample(text, 'care_sidebar_cache_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'care_sidebar_http_request_duration_seconds_count{method="GET",route="/api/v1/summary"}')).toBe(
      1,
    );

    // The second view is answered from the cache: no new upstream call.
    expect((await summary(t, token)).status).toBe(200);
    text = await scrape(t);
    expect(sample(text, viewed)).toBe(2);
    expect(sample(text, 'care_sidebar_cache_hits_total')).toBe(2);
    expect(sample(text, upstreamA)).toBe(1);
  });

  it('labels a letter by its route pattern and an unknown path by the pattern that caught it, never by ids', async () => {
    const t = app();
    const token = await session(t);
    const view = (await (await summary(t, token)).json()) as SummaryView;
    const letterId = view.letters.items[0]?.id ?? '';
    expect(letterId).not.toBe('');
    const res = await t.request(`/api/v1/letters/${encodeURIComponent(letterId)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect((await t.request(`/api/v1/patients/${PATIENT_B.nhsNumber}`)).status).toBe(404);
    const text = await scrape(t);
    expect(
      sample(text, 'care_sidebar_http_requests_total{method="GET",route="/api/v1/letters/:id",status="200"}'),
    ).toBe(1);
    expect(sample(text, 'care_sidebar_http_requests_total{method="GET",route="/api/*",status="404"}')).toBe(1);
    expect(text).not.toContain(letterId);
    expect(text).not.toContain('letter-1');
    for (const nhs of SYNTHETIC_NHS_NUMBERS) expect(text).not.toContain(nhs);
  });

  it('counts refused launches by reason', async () => {
    const t = app();
    const expired = await signLaunch(host, { now: new Date(Date.now() - 200_000), lifetimeSeconds: 120 });
    expect((await t.startSession(expired)).status).toBe(401);
    const replayed = await signLaunch(host);
    expect((await t.startSession(replayed)).status).toBe(201);
    expect((await t.startSession(replayed)).status).toBe(401);
    const text = await scrape(t);
    expect(sample(text, 'care_sidebar_launches_refused_total{reason="launch-expired"}')).toBe(1);
    expect(sample(text, 'care_sidebar_launches_refused_total{reason="launch-replayed"}')).toBe(1);
  });

  it('reports the audit queue depth and times each committed batch', async () => {
    const t = app({ fileStore: true });
    const token = await session(t);
    expect((await summary(t, token)).status).toBe(200);
    const text = await scrape(t);
    expect(sample(text, 'care_sidebar_audit_queue_depth')).toBe(0);
    // session-start and summary-view, each in its own batch here (one request at a time).
    expect(sample(text, 'care_sidebar_audit_commit_duration_seconds_count')).toBe(2);
    expect(sample(text, 'care_sidebar_audit_commit_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'care_sidebar_audit_commit_batch_records_sum')).toBe(2);
    expect(sample(text, 'care_sidebar_audit_commit_failures_total')).toBe(0);
  });

  it('counts a source falling back from chained searches, once until it is trusted again', async () => {
    // Hospital A refuses every chained search (as a server without chaining does, with 400).
    server.use(
      http.get(`${A}/:type`, ({ request }) =>
        [...new URL(request.url).searchParams.keys()].some((k) => k.endsWith('.identifier'))
          ? HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 400 })
          : undefined,
      ),
    );
    const t = app();
    const series = 'care_sidebar_upstream_chained_search_distrusted_total{source="hospital-a",reason="refused"}';
    expect(sample(await scrape(t), series)).toBe(undefined);
    for (const nhs of SYNTHETIC_NHS_NUMBERS) expect((await summary(t, await session(t, nhs))).status).toBe(200);
    const text = await scrape(t);
    expect(sample(text, series)).toBe(1);
    expect(text).not.toContain('source="hospital-b",reason=');
  });

  it('counts a resource type whose optional search parameters a source refused, once until they are tried again', async () => {
    // Hospital A refuses sorting on every search (a strict server).
    server.use(
      http.get(`${A}/:type`, ({ request }) =>
        new URL(request.url).searchParams.has('_sort')
          ? HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 400 })
          : undefined,
      ),
    );
    const t = app();
    for (const nhs of SYNTHETIC_NHS_NUMBERS) expect((await summary(t, await session(t, nhs))).status).toBe(200);
    const text = await scrape(t);
    for (const type of ['DiagnosticReport', 'Observation', 'DocumentReference']) {
      const series = `care_sidebar_upstream_optional_parameters_refused_total{source="hospital-a",resource_type="${type}"}`;
      expect(sample(text, series), type).toBe(1);
    }
    expect(text).not.toContain('source="hospital-b",resource_type=');
  });

  it('counts an unavailable source by its failure and shows its breaker, with no patient data in any label', async () => {
    server.use(http.get(`${B}/:type`, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 404 })));
    const t = app();
    for (const nhs of SYNTHETIC_NHS_NUMBERS) {
      const res = await summary(t, await session(t, nhs));
      expect(res.status).toBe(200);
    }
    const text = await scrape(t);
    expect(text).toMatch(
      /care_sidebar_upstream_requests_total\{source="hospital-b",operation="record",outcome="[a-z-]+"\} 2/,
    );
    expect(
      sample(text, 'care_sidebar_upstream_requests_total{source="hospital-b",operation="record",outcome="ok"}'),
    ).toBe(undefined);
    for (const nhs of SYNTHETIC_NHS_NUMBERS) {
      expect(text).not.toContain(nhs);
      expect(text).not.toContain(`${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`);
    }
  });
});
