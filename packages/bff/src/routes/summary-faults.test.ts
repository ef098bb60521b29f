import type { SummaryView } from '@care-sidebar/shared';
import type { Resource } from '@medplum/fhirtypes';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeFhirSource } from '../test-support/fhir-source.ts';
import { createIssuer, PATIENT_A, signLaunch, testConfig, type TestIssuer } from '../test-support/launch-fixtures.ts';
import { testApp, type TestApp } from '../test-support/test-app.ts';
import { nodeHttpGet, type UpstreamGet } from '../upstream/upstream-transport.ts';

// Fault injection on one upstream source: the other source's data must still show, within the deadline.
const HOST = 'https://gp-host.test';
const GOOD = 'https://fhir.good.test/R4';
const BAD = 'https://fhir.bad.test/R4';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

const records = (base: string, pid: string, text: string): Resource[] => [
  { resourceType: 'Patient', id: pid, identifier: [{ system: NHS, value: PATIENT_A.nhsNumber }] },
  {
    resourceType: 'Flag',
    id: `${pid}-f`,
    status: 'active',
    code: { text },
    subject: { reference: `${base}/Patient/${pid}` },
  },
];

let host: TestIssuer;
let badCalls = 0;
const server = setupServer();
beforeAll(async () => {
  host = await createIssuer(HOST);
  server.listen({ onUnhandledFrame: 'error' });
});
afterEach(() => {
  server.resetHandlers();
  badCalls = 0;
});
afterAll(() => server.close());

function app(
  upstream: Partial<{ summaryDeadlineMs: number; breakerOpenMs: number; maxResponseBytes: number }> = {},
  upstreamGet?: UpstreamGet,
): TestApp {
  server.use(fakeFhirSource({ baseUrl: GOOD, resources: records(GOOD, 'g1', 'Good flag') }));
  return testApp(
    testConfig({
      trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
      sources: [
        { id: 'good', name: 'Good Hospital', fhirBaseUrl: GOOD, timeoutMs: 400 },
        { id: 'bad', name: 'Bad Hospital', fhirBaseUrl: BAD, timeoutMs: 400 },
      ],
      cache: { ttlSeconds: 0, maxBytes: 0 },
      upstream: {
        summaryDeadlineMs: 1_000,
        breakerOpenMs: 60_000,
        maxResponseBytes: 1024 * 1024,
        resultsWindowMonths: 24,
        ...upstream,
      },
    }),
    upstreamGet ? { upstreamGet } : {},
  );
}

/** The bad source: `respond` decides each call; Patient is found so the fault hits the searches too. */
function badSource(respond: (type: string, call: number, url: string) => Response | Promise<Response> | undefined) {
  server.use(
    http.get(`${BAD}/:type`, ({ params, request }) => {
      badCalls++;
      return respond(String(params['type']), badCalls, request.url);
    }),
    fakeFhirSource({ baseUrl: BAD, resources: records(BAD, 'b1', 'Bad flag') }),
  );
}

async function view(t: TestApp): Promise<{ view: SummaryView; ms: number; status: number }> {
  const res = await t.startSession(await signLaunch(host));
  const { token } = (await res.json()) as { token: string };
  const started = performance.now();
  const summary = await t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });
  return { view: (await summary.json()) as SummaryView, ms: performance.now() - started, status: summary.status };
}

function expectGoodOnly(v: SummaryView): void {
  expect(v.flags.status).toBe('partial');
  expect(v.flags.items.map((f) => f.text)).toEqual(['Good flag']);
  expect(v.flags.sources.find((s) => s.source.id === 'bad')?.status).toBe('unavailable');
}

describe('faults at one source', () => {
  it('a source that hangs: answered within the deadline with the other source', async () => {
    badSource(() => new Promise<Response>(() => {}));
    const { view: v, ms, status } = await view(app());
    expect(status).toBe(200);
    expectGoodOnly(v);
    expect(ms).toBeLessThan(1_500);
  });

  it('a source whose calls never end, even when aborted: still answered within the deadline', async () => {
    const real = nodeHttpGet();
    // A call that ignores its signal: a bug, or a stuck connection that the abort does not reach.
    const stuck: UpstreamGet = (url, headers, signal) =>
      url.origin === new URL(BAD).origin ? new Promise(() => {}) : real(url, headers, signal);
    try {
      const { view: v, ms, status } = await view(app({}, stuck));
      expect(status).toBe(200);
      expectGoodOnly(v);
      expect(ms).toBeLessThan(1_500);
    } finally {
      real.close();
    }
  });

  for (const status of [500, 503]) {
    it(`a source answering ${status} every time`, async () => {
      badSource(() => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status }));
      expectGoodOnly((await view(app())).view);
    });
  }

  it('a 503 once is retried, and the data shows', async () => {
    badSource((_type, call) => (call === 1 ? HttpResponse.json({}, { status: 503 }) : undefined));
    const { view: v } = await view(app());
    expect(v.flags.status).toBe('ok');
    expect(v.flags.items.map((f) => f.text).sort()).toEqual(['Bad flag', 'Good flag']);
  });

  it('a dropped connection once is retried', async () => {
    badSource((_type, call) => (call === 1 ? HttpResponse.error() : undefined));
    expect((await view(app())).view.flags.status).toBe('ok');
  });

  it('when one part of a source’s record fails, the searches still in flight stop: none is retried after the view', async () => {
    // The Patient search fails at once; the searches sent with it would drop their connections a
    // little later, which (answered or not) would be retried after a jitter of 100–300 ms.
    badSource((type) => {
      if (type === 'Patient') return HttpResponse.json({}, { status: 500 });
      return delay(50).then(() => HttpResponse.error());
    });
    const t = app();
    const { view: v } = await view(t);
    expectGoodOnly(v);
    const callsByThen = badCalls;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(badCalls).toBe(callsByThen);
  });

  it('a 429 asking to wait 30 s is not retried', async () => {
    const urls: string[] = [];
    badSource((_type, _call, url) => {
      urls.push(url);
      return HttpResponse.json({}, { status: 429, headers: { 'Retry-After': '30' } });
    });
    const { view: v } = await view(app());
    expectGoodOnly(v);
    // The Patient search and the data searches sent with it, each once.
    expect(urls.length).toBeGreaterThan(0);
    expect(new Set(urls).size).toBe(urls.length);
  });

  it('a 429 asking to wait 0.2 s is retried after the wait', async () => {
    let first = { url: '', at: 0 };
    let retriedAfterMs = 0;
    badSource((_type, call, url) => {
      if (call === 1) {
        first = { url, at: performance.now() };
        return HttpResponse.json({}, { status: 429, headers: { 'Retry-After': '0.2' } });
      }
      if (url === first.url) retriedAfterMs = performance.now() - first.at;
      return undefined;
    });
    expect((await view(app())).view.flags.status).toBe('ok');
    expect(retriedAfterMs).toBeGreaterThanOrEqual(190);
  });

  it('invalid JSON, a wrong resourceType, and an OperationOutcome with 200', async () => {
    for (const body of [
      '{"resourceType": "Bundle", "entry": [',
      '{"resourceType":"Patient"}',
      '{"resourceType":"OperationOutcome","issue":[]}',
    ]) {
      badSource(() => new HttpResponse(body, { headers: { 'Content-Type': 'application/fhir+json' } }));
      expectGoodOnly((await view(app())).view);
    }
  });

  it('malformed entries are skipped and counted, and the rest shown', async () => {
    const t = app();
    server.use(
      http.get(`${BAD}/Flag`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [
            {},
            { resource: { id: 'no-type' } },
            {
              resource: {
                resourceType: 'Flag',
                id: 'ok',
                status: 'active',
                code: { text: 'Bad flag' },
                subject: { reference: 'Patient/b1' },
              },
            },
          ],
        }),
      ),
      fakeFhirSource({ baseUrl: BAD, resources: records(BAD, 'b1', 'Bad flag') }),
    );
    const { view: v } = await view(t);
    expect(v.flags.status).toBe('ok');
    expect(v.flags.items.map((f) => f.text).sort()).toEqual(['Bad flag', 'Good flag']);
    const line = t.logs.find((l) => l.msg === 'source answered' && l['source'] === 'bad');
    expect(line?.['skippedEntries']).toBe(2);
  });

  it('a 20 MB response is abandoned at the size cap', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let mostSent = 0;
    badSource(() => {
      // Several searches are in flight at once: each response is counted on its own.
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 20 * 1024 * 1024) return controller.close();
          sent += chunk.byteLength;
          mostSent = Math.max(mostSent, sent);
          controller.enqueue(chunk);
        },
      });
      return new HttpResponse(stream, { headers: { 'Content-Type': 'application/fhir+json' } });
    });
    const { view: v } = await view(app());
    expectGoodOnly(v);
    expect(mostSent).toBeGreaterThan(0);
    expect(mostSent).toBeLessThan(3 * 1024 * 1024);
  });

  it('opens the breaker after repeated failures, then fails fast without calling the source', async () => {
    badSource(() => HttpResponse.json({}, { status: 500 }));
    const t = app();
    for (let i = 0; i < 20 && badCalls < 20; i++) await view(t);
    expect(badCalls).toBeGreaterThanOrEqual(20);
    const ready = (await (await t.request('/readyz')).json()) as { checks: { sources: Record<string, string> } };
    expect(ready.checks.sources).toEqual({ good: 'closed', bad: 'open' });
    const before = badCalls;
    const { view: v, ms } = await view(t);
    expectGoodOnly(v);
    expect(badCalls).toBe(before);
    expect(ms).toBeLessThan(200);
  });

  it('recovers in one view once the breaker lets a probe through: the Patient search goes alone, then the rest', async () => {
    let healthy = false;
    badSource(() => (healthy ? undefined : HttpResponse.json({}, { status: 500 })));
    const t = app({ breakerOpenMs: 300 });
    for (let i = 0; i < 20 && badCalls < 20; i++) await view(t);
    const ready = (await (await t.request('/readyz')).json()) as { checks: { sources: Record<string, string> } };
    expect(ready.checks.sources['bad']).toBe('open');
    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 350));
    // Half-open: one call may pass. Sent with the others at once, the data searches would be refused.
    const { view: v } = await view(t);
    expect(v.flags.items.map((f) => f.text).sort()).toEqual(['Bad flag', 'Good flag']);
  });
});

describe('results window', () => {
  it('does not show results older than the configured window, and asks the source for the window', async () => {
    const urls: string[] = [];
    const old = {
      resourceType: 'Observation',
      id: 'old',
      status: 'final',
      code: { text: 'Ancient sodium' },
      subject: { reference: 'Patient/b1' },
      valueQuantity: { value: 140, unit: 'mmol/L' },
      effectiveDateTime: '2020-01-01T00:00:00Z',
    };
    const recent = {
      ...old,
      id: 'new',
      code: { text: 'Recent sodium' },
      effectiveDateTime: new Date(Date.now() - 86_400_000).toISOString(),
    };
    server.use(
      http.get(`${BAD}/Observation`, ({ request }) => {
        urls.push(request.url);
        return undefined;
      }),
      fakeFhirSource({ baseUrl: BAD, resources: [...records(BAD, 'b1', 'Bad flag'), old, recent] as Resource[] }),
    );
    const { view: v } = await view(app());
    expect(v.results.items.map((r) => r.name.display)).toEqual(['Recent sodium']);
    expect(urls.some((u) => /[?&]date=ge\d{4}-\d{2}-\d{2}/.test(u))).toBe(true);
  });
});
