import type { SummaryView } from '@care-sidebar/shared';
import type { Resource } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeFhirSource, type FakeSourceOptions, type SourceCall } from '../test-support/fhir-source.ts';
import {
  createIssuer,
  PATIENT_A,
  PATIENT_B,
  signLaunch,
  testConfig,
  type TestIssuer,
} from '../test-support/launch-fixtures.ts';
import { testApp, type TestApp } from '../test-support/test-app.ts';
import { CHAIN_DISTRUST_MS, ChainedSearchSupport } from './chained-search-support.ts';
import { fetchSourceRecord } from './fetch-source-record.ts';
import { ResourceTypeSupport } from './resource-type-support.ts';
import { nodeHttpGet } from './upstream-transport.ts';

// One source, asked for PATIENT_A's record, through the real app; msw stands in for the source.
const HOST = 'https://gp-host.test';
const S = 'https://fhir.source.test/R4';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const DATA_TYPES = ['DiagnosticReport', 'Observation', 'DocumentReference', 'Flag', 'Consent', 'RiskAssessment'];
const METRICS_KEY = 'metrics-scraper-key-abcdefghij';
const RECENT = new Date(Date.now() - 86_400_000).toISOString();

const patient = (id: string, nhsNumber: string, extra: { active?: boolean } = {}): Resource => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: NHS, value: nhsNumber }],
  ...extra,
});

/** A report with one result, a letter and a flag, each named after `label`. */
function recordOf(pid: string, label: string): Resource[] {
  const subject = { reference: `${S}/Patient/${pid}` };
  return [
    {
      resourceType: 'DiagnosticReport',
      id: `${pid}-report`,
      status: 'final',
      code: { text: `${label} report` },
      subject,
      effectiveDateTime: RECENT,
      result: [{ reference: `Observation/${pid}-obs` }],
    },
    {
      resourceType: 'Observation',
      id: `${pid}-obs`,
      status: 'final',
      code: { text: `${label} sodium` },
      subject,
      valueQuantity: { value: 140, unit: 'mmol/L' },
      effectiveDateTime: RECENT,
    },
    {
      resourceType: 'DocumentReference',
      id: `${pid}-letter`,
      status: 'current',
      subject,
      date: RECENT,
      description: `${label} letter`,
      content: [{ attachment: { contentType: 'text/plain', data: 'SGVsbG8=' } }],
    },
    { resourceType: 'Flag', id: `${pid}-flag`, status: 'active', code: { text: `${label} flag` }, subject },
  ];
}

const denyingConsent = (pid: string): Resource => ({
  resourceType: 'Consent',
  id: `${pid}-consent`,
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${pid}` },
  provision: { type: 'deny' },
});

const OWN = [patient('own', PATIENT_A.nhsNumber), ...recordOf('own', 'Own')];
const OTHER = [patient('other', PATIENT_B.nhsNumber), ...recordOf('other', 'Other')];
const OWN_SHOWN = ['Own flag', 'Own letter', 'Own report', 'Own sodium'];

const server = setupServer();
let host: TestIssuer;
let log: SourceCall[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  host = await createIssuer(HOST);
  server.listen({ onUnhandledFrame: 'error' });
  process.on('unhandledRejection', onUnhandled);
});
beforeEach(() => {
  log = [];
  unhandled.length = 0;
});
afterEach(() => server.resetHandlers());
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  server.close();
});

function source(options: Partial<FakeSourceOptions> = {}) {
  return fakeFhirSource({ baseUrl: S, resources: [...OWN, ...OTHER], log, supportsInclude: true, ...options });
}

function app(): TestApp {
  return testApp(
    testConfig({
      trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
      sources: [{ id: 'hospital', name: 'Hospital', fhirBaseUrl: S, timeoutMs: 2_000 }],
      cache: { ttlSeconds: 0, maxBytes: 0 },
    }),
  );
}

async function view(t: TestApp): Promise<SummaryView> {
  const res = await t.startSession(await signLaunch(host, { now: t.clock.now }));
  const { token } = (await res.json()) as { token: string };
  const summary = await t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });
  expect(summary.status).toBe(200);
  return (await summary.json()) as SummaryView;
}

/** What a GP reads: report, result, letter and flag texts. */
function shown(v: SummaryView): string[] {
  return [
    ...v.results.items.flatMap((r) => [r.name.display, ...r.observations.map((o) => o.name.display)]),
    ...v.letters.items.map((l) => l.title),
    ...v.flags.items.map((f) => f.text),
  ].sort();
}

const isChained = (call: SourceCall) => [...call.params.keys()].some((name) => name.endsWith('.identifier'));
const isById = (call: SourceCall) => call.params.has('patient');
const patientCall = (calls: readonly SourceCall[]) => calls.find((c) => c.type === 'Patient') as SourceCall;

/** The longest chain of calls in which each was sent after the one before it was answered. */
function sequentialRounds(calls: readonly SourceCall[]): number {
  const depth = new Map<SourceCall, number>();
  for (const call of [...calls].sort((a, b) => a.arrivedMs - b.arrivedMs)) {
    const before = [...depth].filter(([c]) => c.answeredMs <= call.arrivedMs).map(([, d]) => d);
    depth.set(call, Math.max(0, ...before) + 1);
  }
  return Math.max(0, ...depth.values());
}

describe('fetching a source record with chained searches', () => {
  it('sends the data searches with the Patient search, in one round, when the source follows the chain', async () => {
    // Every answer takes a while, so calls sent together overlap in the log.
    const delayMs = Object.fromEntries(DATA_TYPES.map((type) => [type, 20]));
    server.use(source({ delayMs: { ...delayMs, Patient: 80 } }));
    const t = app();
    for (let i = 0; i < 2; i++) {
      log.length = 0;
      const v = await view(t);
      expect(shown(v)).toEqual(OWN_SHOWN);
      const data = log.filter((c) => c.type !== 'Patient');
      expect(data.map((c) => c.type).sort()).toEqual([...DATA_TYPES].sort());
      expect(data.every(isChained)).toBe(true);
      // Every data search was sent before the Patient search was answered.
      for (const call of data) expect(call.arrivedMs).toBeLessThan(patientCall(log).answeredMs);
      expect(sequentialRounds(log)).toBe(1);
    }
  });

  it('HAZ-001: a lenient server ignoring the chain, holding two patients: only this patient is shown, asked again by id, then two rounds until an hour has passed', async () => {
    // The other patient's flags come first and fill the page cap of an answer that ignores the chain.
    const manyFlags = Array.from({ length: 12 }, (_, i) => ({
      ...(recordOf('other', 'Other')[3] as Resource),
      id: `other-flag-${i}`,
    }));
    server.use(source({ chainedParameters: 'ignored', pageSize: 1, resources: [...manyFlags, ...OTHER, ...OWN] }));
    const t = app();

    const first = await view(t);
    expect(shown(first)).toEqual(OWN_SHOWN);
    expect([first.results.status, first.letters.status, first.flags.status]).toEqual(['ok', 'ok', 'ok']);
    const askedAgain = log.filter(isById);
    expect(askedAgain.map((c) => c.type).sort()).toEqual([
      'DiagnosticReport',
      'DocumentReference',
      'Flag',
      'Observation',
    ]);
    expect(askedAgain.every((c) => c.params.get('patient') === 'own')).toBe(true);

    log.length = 0;
    const second = await view(t);
    expect(shown(second)).toEqual(OWN_SHOWN);
    expect(log.some(isChained)).toBe(false);
    for (const call of log.filter((c) => c.type !== 'Patient')) {
      expect(call.arrivedMs).toBeGreaterThanOrEqual(patientCall(log).answeredMs);
    }

    // Operators are told once, with the reason and no patient data, not once per search or view.
    const told = () => t.logs.filter((l) => l.msg === 'source chained search not trusted: searching by patient id');
    expect(told()).toEqual([
      {
        level: 'warn',
        msg: 'source chained search not trusted: searching by patient id',
        source: 'hospital',
        reason: 'foreign-entries',
        retryChainingAfterMinutes: 60,
      },
    ]);

    t.clock.now = new Date(t.clock.now.getTime() + CHAIN_DISTRUST_MS + 1_000);
    log.length = 0;
    expect(shown(await view(t))).toEqual(OWN_SHOWN);
    expect(log.some(isChained)).toBe(true);
    // Tried again after the hour, ignored again: news again.
    expect(told().map((l) => l['reason'])).toEqual(['foreign-entries', 'foreign-entries']);
  });

  it('a server refusing the chain with 400: the record is asked by id, and the next one straight away by id', async () => {
    server.use(source({ chainedParameters: 'refused', supportsInclude: false }));
    const t = app();
    expect(shown(await view(t))).toEqual(OWN_SHOWN);
    expect(log.filter(isById).map((c) => c.type)).toEqual(expect.arrayContaining(DATA_TYPES));

    log.length = 0;
    expect(shown(await view(t))).toEqual(OWN_SHOWN);
    expect(log.some(isChained)).toBe(false);
    expect(t.logs.filter((l) => l.msg === 'source chained search not trusted: searching by patient id')).toEqual([
      expect.objectContaining({ level: 'warn', source: 'hospital', reason: 'refused' }),
    ]);
  });

  it('HAZ-001: a merged record (a second, inactive Patient with this NHS number) matched by the chain: nothing of it is shown', async () => {
    const merged = [patient('merged', PATIENT_A.nhsNumber, { active: false }), ...recordOf('merged', 'Merged')];
    server.use(source({ resources: [...OWN, ...merged] }));
    const t = app();
    const v = await view(t);
    expect(shown(v)).toEqual(OWN_SHOWN);
    expect(JSON.stringify(v)).not.toContain('Merged');
    expect(log.filter(isById).map((c) => c.type)).toEqual(
      expect.arrayContaining(['DiagnosticReport', 'DocumentReference', 'Flag', 'Observation']),
    );
    log.length = 0;
    await view(t);
    expect(log.some(isChained)).toBe(false);
  });

  describe('HAZ-007: consent', () => {
    it('a denying Consent found by the chained search opts the patient out', async () => {
      server.use(source({ resources: [...OWN, ...OTHER, denyingConsent('own')] }));
      expect((await view(app())).kind).toBe('opted-out');
      expect(log.filter((c) => c.type === 'Consent').map(isChained)).toEqual([true]);
    });

    it('a source without Consent (404) holds no objection', async () => {
      server.use(
        http.get(`${S}/Consent`, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 404 })),
        source(),
      );
      const v = await view(app());
      expect(shown(v)).toEqual(OWN_SHOWN);
      expect(v.results.sources.map((s) => s.status)).toEqual(['ok']);
    });

    it('a chained Consent search refused with 404 is asked again by id, and its denial still opts out', async () => {
      server.use(
        http.get(`${S}/Consent`, ({ request }) =>
          new URL(request.url).searchParams.has('patient') ? undefined : HttpResponse.json({}, { status: 404 }),
        ),
        source({ resources: [...OWN, denyingConsent('own')] }),
      );
      expect((await view(app())).kind).toBe('opted-out');
    });
  });

  describe('HAZ-001: chained answers still in flight when the Patient search fails the checks', () => {
    let lateAnswers = 0;

    /**
     * The Patient search finds `found` at once; the data searches answer 50 ms later, with `late`
     * (or the source's own answer), so they are still in flight when the Patient check ends.
     */
    function lateData(found: Resource[], late: () => Response | undefined, options: Partial<FakeSourceOptions>) {
      lateAnswers = 0;
      server.use(
        http.get(`${S}/:type`, async ({ params }) => {
          if (params['type'] === 'Patient') {
            return HttpResponse.json({
              resourceType: 'Bundle',
              type: 'searchset',
              entry: found.map((resource) => ({ resource })),
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
          lateAnswers++;
          return late();
        }),
        source(options),
      );
    }

    async function untilDataAnswered(): Promise<void> {
      for (let i = 0; i < 100 && lateAnswers < DATA_TYPES.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(lateAnswers).toBe(DATA_TYPES.length);
      // Let the failed answers reach the BFF's promises.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    it.each([
      { name: 'not found', status: 'not-found', found: [] },
      { name: 'another NHS number', status: 'mismatch', found: [patient('own', PATIENT_B.nhsNumber)] },
      { name: 'two records', status: 'unavailable', found: [OWN[0] as Resource, patient('twin', PATIENT_A.nhsNumber)] },
    ])('$name: nothing shown, and failing chained answers are no unhandled rejection', async (c) => {
      lateData(c.found, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 500 }), {});
      const v = await view(app());
      expect(v.results.sources.map((s) => s.status)).toEqual([c.status]);
      expect(shown(v)).toEqual([]);
      await untilDataAnswered();
      expect(unhandled).toEqual([]);
    });

    it('another NHS number: chained answers about the searched NHS number are not shown', async () => {
      // A lenient server: the chained searches bring back the record of the Patient the check refuses.
      lateData([patient('own', PATIENT_B.nhsNumber)], () => undefined, { chainedParameters: 'ignored' });
      const v = await view(app());
      expect(v.results.sources.map((s) => s.status)).toEqual(['mismatch']);
      expect(JSON.stringify(v)).not.toContain('Own');
      await untilDataAnswered();
    });
  });
});

describe('HAZ-007: a source without Consent or RiskAssessment', () => {
  const get = nodeHttpGet();
  afterAll(() => get.close());
  let nowMs = 0;
  const fetchOwn = (chainedSearch: ChainedSearchSupport, resourceTypes: ResourceTypeSupport) =>
    fetchSourceRecord(PATIENT_A.nhsNumber, new Date(Date.now() - 365 * 86_400_000), {
      baseUrl: S,
      get,
      signal: new AbortController().signal,
      chainedSearch,
      resourceTypes,
    });
  const consentCalls = () => log.filter((c) => c.type === 'Consent').map((c) => (isChained(c) ? 'chained' : 'by id'));
  const memory = () => new ResourceTypeSupport({ rememberMs: 60_000, nowMs: () => nowMs });
  /** A Consent search whose first page holds the patient's denial and whose `next` page is refused. */
  const consentPageTwoRefused = (status: 400 | 404) =>
    http.get(`${S}/Consent`, ({ request }) => {
      if (new URL(request.url).searchParams.has('_page')) return HttpResponse.json({}, { status });
      return HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: `${S}/Consent?_page=2` }],
        entry: [{ resource: denyingConsent('own') }],
      });
    });

  for (const status of [404, 400] as const) {
    it(`(${status} to its chained and by-id searches alike) holds no objection, keeps its chained searches trusted, and leaves them out of its chained searches until the memory has passed`, async () => {
      // Every answer takes a while, so calls sent together overlap in the log.
      const delayMs = Object.fromEntries(['Patient', ...DATA_TYPES].map((type) => [type, 20]));
      server.use(source({ notOffered: { Consent: status, RiskAssessment: status }, delayMs }));
      nowMs = 0;
      const chain = new ChainedSearchSupport({ nowMs: () => nowMs });
      const told: string[] = [];
      const types = new ResourceTypeSupport({
        rememberMs: 60_000,
        nowMs: () => nowMs,
        onNotOffered: (type) => told.push(type),
      });

      const first = await fetchOwn(chain, types);
      expect(first.status === 'ok' && first.record.consents).toEqual([]);
      // Refused chained and by id alike: the source lacks the type; the chain is not to blame.
      expect(consentCalls()).toEqual(['chained', 'by id']);
      expect(chain.trusted()).toBe(true);
      expect(told.sort()).toEqual(['Consent', 'RiskAssessment']);

      // Within the memory: one round, every data search chained, Consent and RiskAssessment not asked.
      log.length = 0;
      nowMs = 59_999;
      const second = await fetchOwn(chain, types);
      expect(second.status === 'ok' && second.record.reports.map((r) => r.id)).toEqual(['own-report']);
      expect(log.map((c) => c.type).sort()).toEqual([
        'DiagnosticReport',
        'DocumentReference',
        'Flag',
        'Observation',
        'Patient',
      ]);
      expect(log.filter((c) => c.type !== 'Patient').every(isChained)).toBe(true);
      expect(sequentialRounds(log)).toBe(1);

      // Past it, asked again: the source now holds the patient's denial, and it is read.
      server.resetHandlers();
      server.use(source({ resources: [...OWN, ...OTHER, denyingConsent('own')], delayMs }));
      log.length = 0;
      nowMs = 60_000;
      const third = await fetchOwn(chain, types);
      expect(third.status === 'ok' && third.record.consents?.map((c) => c.id)).toEqual(['own-consent']);
      expect(consentCalls()).toEqual(['chained']);

      // Seen offering Consent, the source loses it again: that is news again.
      server.resetHandlers();
      server.use(source({ notOffered: { Consent: status } }));
      nowMs = 60_001;
      expect((await fetchOwn(chain, types)).status).toBe('ok');
      expect(told).toEqual(['Consent', 'RiskAssessment', 'Consent']);
    });
  }

  it('searched by patient id (chained search not trusted): asked every time, since there it costs no extra round', async () => {
    server.use(source({ notOffered: { Consent: 404, RiskAssessment: 404 } }));
    nowMs = 0;
    const chain = new ChainedSearchSupport({ nowMs: () => nowMs });
    chain.distrust('refused');
    const types = memory();
    // Remembered from chained searches a moment ago: by id it is asked all the same.
    types.notOffered('Consent', types.epoch('Consent'));
    for (let i = 0; i < 2; i++) {
      log.length = 0;
      const record = await fetchOwn(chain, types);
      expect(record.status === 'ok' && record.record.consents).toEqual([]);
      expect(consentCalls()).toEqual(['by id']);
    }
  });

  it('a Consent search forgotten (410) whose re-run is then refused (404) fails the source: it had been answered, denial and all', async () => {
    let calls = 0;
    server.use(
      http.get(`${S}/Consent`, ({ request }) => {
        calls++;
        if (new URL(request.url).searchParams.has('_page')) return HttpResponse.json({}, { status: 410 });
        if (calls > 2) return HttpResponse.json({}, { status: 404 });
        return HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: `${S}/Consent?_page=2` }],
          entry: [{ resource: denyingConsent('own') }],
        });
      }),
      source(),
    );
    const chain = new ChainedSearchSupport();
    chain.distrust('refused');
    await expect(fetchOwn(chain, memory())).rejects.toMatchObject({ httpStatus: 404, laterPage: true });
  });

  it('a chained search whose later page is refused is asked again by id, the chain not blamed', async () => {
    server.use(
      http.get(`${S}/Flag`, ({ request }) => {
        const params = new URL(request.url).searchParams;
        if (params.has('_page')) return HttpResponse.json({}, { status: 404 });
        if (params.has('patient')) return undefined; // by id: the fake source answers
        return HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: `${S}/Flag?_page=2` }],
          entry: [],
        });
      }),
      source(),
    );
    const chain = new ChainedSearchSupport();
    const record = await fetchOwn(chain, memory());
    expect(record.status === 'ok' && record.record.flags.map((f) => f.id)).toEqual(['own-flag']);
    expect(chain.trusted()).toBe(true);
  });

  for (const status of [404, 400] as const) {
    it(`a Consent search whose next page is refused (${status}) fails the source: its first page's denial is never dropped as "no such type"`, async () => {
      server.use(consentPageTwoRefused(status), source());
      for (const chained of [true, false]) {
        const chain = new ChainedSearchSupport();
        if (!chained) chain.distrust('refused');
        const types = memory();
        await expect(fetchOwn(chain, types)).rejects.toMatchObject({ failure: 'http-status', httpStatus: status });
        expect(types.offered('Consent')).toBe(true);
      }
    });
  }

  it('a source refusing the chained Consent search but answering it by id: the chain is to blame, and a denial is read', async () => {
    server.use(
      http.get(`${S}/Consent`, ({ request }) =>
        new URL(request.url).searchParams.has('patient') ? undefined : HttpResponse.json({}, { status: 404 }),
      ),
      source({ resources: [...OWN, denyingConsent('own')] }),
    );
    const chain = new ChainedSearchSupport();
    const types = memory();
    const record = await fetchOwn(chain, types);
    expect(record.status === 'ok' && record.record.consents?.map((c) => c.id)).toEqual(['own-consent']);
    expect(chain.trusted()).toBe(false);
    expect(types.offered('Consent')).toBe(true);
  });

  it('a chained Consent search refused with 404 whose search by id then fails otherwise (500) fails the source', async () => {
    server.use(
      http.get(`${S}/Consent`, ({ request }) =>
        new URL(request.url).searchParams.has('patient')
          ? HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 500 })
          : HttpResponse.json({}, { status: 404 }),
      ),
      source(),
    );
    const types = memory();
    await expect(fetchOwn(new ChainedSearchSupport(), types)).rejects.toMatchObject({ httpStatus: 500 });
    expect(types.offered('Consent')).toBe(true);
  });

  it('a Consent search failing otherwise (500) fails the source, remembered as nothing', async () => {
    server.use(
      http.get(`${S}/Consent`, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 500 })),
      source(),
    );
    const types = memory();
    await expect(fetchOwn(new ChainedSearchSupport(), types)).rejects.toThrow();
    expect(types.offered('Consent')).toBe(true);
  });

  it('through the BFF: remembered per source for the cache TTL, forgotten on refresh, told to operators once, counted in /metrics', async () => {
    // A second source that does hold Consents: its denial for PATIENT_B must be read whatever the first lacks.
    const S2 = 'https://fhir.second.test/R4';
    const secondLog: SourceCall[] = [];
    server.use(
      source({ notOffered: { Consent: 404, RiskAssessment: 404 } }),
      fakeFhirSource({
        baseUrl: S2,
        resources: [patient('b2', PATIENT_B.nhsNumber), patient('a2', PATIENT_A.nhsNumber), denyingConsent('b2')],
        log: secondLog,
      }),
    );
    const t = testApp(
      testConfig({
        trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
        sources: [
          { id: 'hospital', name: 'Hospital', fhirBaseUrl: S, timeoutMs: 2_000 },
          { id: 'second', name: 'Second', fhirBaseUrl: S2, timeoutMs: 2_000 },
        ],
        cache: { ttlSeconds: 120, maxBytes: 1024 * 1024 },
        audit: {
          url: 'sqlite::memory:',
          readers: { apiKeySha256: [createHash('sha256').update(METRICS_KEY).digest('hex')], igRoles: [] },
        },
      }),
    );
    expect(shown(await view(t))).toEqual(OWN_SHOWN);

    // Another patient within the TTL: not asked for Consent at the first source, asked at the second,
    // whose denial opts the patient out.
    log.length = 0;
    const res = await t.startSession(
      await signLaunch(host, { now: t.clock.now, claims: { nhs_number: PATIENT_B.nhsNumber } }),
    );
    const { token } = (await res.json()) as { token: string };
    const summaryOf = async (path: string) =>
      (await (await t.request(path, { headers: { Authorization: `Bearer ${token}` } })).json()) as { kind: string };
    expect((await summaryOf('/api/v1/summary')).kind).toBe('opted-out');
    expect(log.some((c) => c.type === 'Consent' || c.type === 'RiskAssessment')).toBe(false);
    expect(log.filter((c) => c.type !== 'Patient').every(isChained)).toBe(true);
    expect(secondLog.filter((c) => c.type === 'Consent').length).toBeGreaterThan(0);

    // Refresh asks every source afresh: Consent included.
    log.length = 0;
    expect((await summaryOf('/api/v1/summary?refresh=true')).kind).toBe('opted-out');
    expect(consentCalls()).toEqual(['chained', 'by id']);

    expect(t.logs.filter((l) => l.msg === 'source does not offer a resource type: not searching it')).toEqual([
      expect.objectContaining({
        level: 'warn',
        source: 'hospital',
        resourceType: 'Consent',
        askAgainAfterSeconds: 120,
      }),
      expect.objectContaining({ resourceType: 'RiskAssessment' }),
    ]);
    expect(t.logs.some((l) => l.msg === 'source chained search not trusted: searching by patient id')).toBe(false);
    const metrics = await (await t.request('/metrics', { headers: { Authorization: `ApiKey ${METRICS_KEY}` } })).text();
    expect(metrics).toContain(
      'care_sidebar_upstream_resource_type_not_offered_total{source="hospital",resource_type="Consent"} 1',
    );
  });

  for (const cache of [
    { ttlSeconds: 0, maxBytes: 1024 * 1024 },
    { ttlSeconds: 60, maxBytes: 0 },
  ]) {
    it(`with the cache off (${JSON.stringify(cache)}) nothing is remembered: every view asks, and no warning`, async () => {
      server.use(source({ notOffered: { Consent: 404, RiskAssessment: 404 } }));
      const t = testApp(
        testConfig({
          trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
          sources: [{ id: 'hospital', name: 'Hospital', fhirBaseUrl: S, timeoutMs: 2_000 }],
          cache,
        }),
      );
      for (let i = 0; i < 2; i++) {
        log.length = 0;
        expect(shown(await view(t))).toEqual(OWN_SHOWN);
        expect(consentCalls()).toEqual(['chained', 'by id']);
      }
      expect(t.logs.some((l) => l.msg === 'source does not offer a resource type: not searching it')).toBe(false);
    });
  }
});

describe('the size a record is cached by', () => {
  const get = nodeHttpGet();
  afterAll(() => get.close());
  const fetchOwn = (chainedSearch: ChainedSearchSupport) =>
    fetchSourceRecord(PATIENT_A.nhsNumber, new Date(Date.now() - 365 * 86_400_000), {
      baseUrl: S,
      get,
      signal: new AbortController().signal,
      chainedSearch,
    });
  const distrusted = () => {
    const support = new ChainedSearchSupport();
    support.distrust('refused');
    return support;
  };

  it('counts the answers the record was built from, not chained answers discarded for foreign entries', async () => {
    server.use(source({ chainedParameters: 'ignored' }));
    // Two rounds by patient id: only the answers kept.
    const byId = await fetchOwn(distrusted());
    // Chained answers first, holding the other patient's entries too: discarded, then asked by id.
    const support = new ChainedSearchSupport();
    const discarded = await fetchOwn(support);
    expect(support.trusted()).toBe(false);
    expect(log.filter(isChained).length).toBeGreaterThan(0);
    expect(byId.status).toBe('ok');
    expect(discarded.status).toBe('ok');
    expect(byId.bytes).toBeGreaterThan(0);
    expect(discarded.bytes).toBe(byId.bytes);
  });
});
