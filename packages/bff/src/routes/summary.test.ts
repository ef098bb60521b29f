import type { Resource } from '@medplum/fhirtypes';
import type { SummaryView } from '@care-sidebar/shared';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditStore } from '../audit/audit-store.ts';
import {
  createIssuer,
  PATIENT_A,
  PATIENT_B,
  signLaunch,
  testConfig,
  type TestIssuer,
} from '../test-support/launch-fixtures.ts';
import { fakeFhirSource } from '../test-support/fhir-source.ts';
import { testApp, type TestApp } from '../test-support/test-app.ts';

const HOST = 'https://gp-host.test';
const A = 'https://fhir.a.test/R4';
const B = 'https://fhir.b.test/fhir';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

const patientA = (id: string, birthDate = PATIENT_A.birthDate): Resource => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: NHS, value: PATIENT_A.nhsNumber }],
  name: [{ use: 'official', family: 'Testpatient', given: ['Alice'] }],
  birthDate,
});

// Hospital A: absolute references, potassium high, a discharge summary and an active flag.
const hospitalA: Resource[] = [
  patientA('pa-1'),
  {
    resourceType: 'Patient',
    id: 'pb-1',
    identifier: [{ system: NHS, value: PATIENT_B.nhsNumber }],
    name: [{ family: 'Otherperson', given: ['Bob'] }],
    birthDate: PATIENT_B.birthDate,
  },
  {
    resourceType: 'DiagnosticReport',
    id: 'ue-1',
    status: 'final',
    code: {
      coding: [{ system: 'http://snomed.info/sct', code: '1000011000000107', display: 'Urea and electrolytes' }],
    },
    subject: { reference: `${A}/Patient/pa-1` },
    effectiveDateTime: '2026-11-20T09:30:00Z',
    issued: '2026-11-20T13:00:00Z',
    performer: [{ display: 'Hospital A Pathology' }],
    result: [
      { reference: `${A}/Observation/k-1` },
      { reference: `${A}/Observation/na-1` },
      { reference: `${A}/Observation/eie-1` },
    ],
  },
  {
    resourceType: 'Observation',
    id: 'k-1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2823-3', display: 'Potassium' }] },
    subject: { reference: `${A}/Patient/pa-1` },
    valueQuantity: { value: 6.1, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    referenceRange: [{ low: { value: 3.5, unit: 'mmol/L' }, high: { value: 5.3, unit: 'mmol/L' } }],
    interpretation: [{ coding: [{ system: V3, code: 'H' }] }],
    effectiveDateTime: '2026-11-20T09:30:00Z',
  },
  {
    resourceType: 'Observation',
    id: 'na-1',
    status: 'final',
    code: { text: 'Sodium' },
    subject: { reference: `${A}/Patient/pa-1` },
    valueQuantity: { value: 139, unit: 'mmol/L' },
    referenceRange: [{ low: { value: 133, unit: 'mmol/L' }, high: { value: 146, unit: 'mmol/L' } }],
    interpretation: [{ coding: [{ system: V3, code: 'N' }] }],
  },
  {
    resourceType: 'Observation',
    id: 'eie-1',
    status: 'entered-in-error',
    code: { text: 'Urea' },
    subject: { reference: `${A}/Patient/pa-1` },
    valueQuantity: { value: 99, unit: 'mmol/L' },
  },
  {
    resourceType: 'DocumentReference',
    id: 'dis-1',
    status: 'current',
    type: { coding: [{ system: 'http://snomed.info/sct', code: '373942005', display: 'Discharge summary' }] },
    subject: { reference: `${A}/Patient/pa-1` },
    date: '2026-11-18T16:00:00Z',
    author: [{ display: 'Hospital A Acute Medicine' }],
    description: 'Discharge summary — acute medical unit',
    content: [{ attachment: { contentType: 'text/html', data: 'PHA+U3ludGhldGljPC9wPg==' } }],
  },
  {
    resourceType: 'DocumentReference',
    id: 'old-1',
    status: 'superseded',
    subject: { reference: `${A}/Patient/pa-1` },
    description: 'Superseded letter',
    content: [],
  },
  {
    resourceType: 'Flag',
    id: 'fl-1',
    status: 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety' }] }],
    code: { text: 'Risk of falls' },
    subject: { reference: `${A}/Patient/pa-1` },
    period: { start: '2026-10-01' },
  },
];

// Hospital B: relative references; a clinic letter and an HbA1c.
const hospitalB: Resource[] = [
  { ...patientA('b-77'), name: [{ family: 'Testpatient', given: ['Alice'] }] } as Resource,
  {
    resourceType: 'DiagnosticReport',
    id: 'hba-1',
    status: 'preliminary',
    code: { text: 'HbA1c' },
    subject: { reference: 'Patient/b-77' },
    issued: '2026-11-22T10:00:00Z',
    result: [{ reference: 'Observation/hba-obs' }],
  },
  {
    resourceType: 'Observation',
    id: 'hba-obs',
    status: 'preliminary',
    code: { text: 'HbA1c (IFCC)' },
    subject: { reference: 'Patient/b-77' },
    valueQuantity: { value: 58, unit: 'mmol/mol' },
    referenceRange: [{ high: { value: 47, unit: 'mmol/mol' } }],
  },
  {
    resourceType: 'DocumentReference',
    id: 'clinic-1',
    status: 'current',
    type: { text: 'Outpatient letter' },
    context: { practiceSetting: { text: 'Diabetes and endocrinology' } },
    subject: { reference: 'Patient/b-77' },
    date: '2026-11-10',
    author: [{ display: 'Hospital B Diabetes Centre' }],
    content: [
      { attachment: { contentType: 'application/pdf', title: 'Diabetes clinic letter', url: `${B}/Binary/x` } },
    ],
  },
];

let calls: string[] = [];
const server = setupServer();
let host: TestIssuer;

beforeAll(async () => {
  host = await createIssuer(HOST);
  server.listen({ onUnhandledFrame: 'error' });
});
beforeEach(() => {
  calls = [];
  server.use(
    fakeFhirSource({ baseUrl: A, resources: hospitalA, calls, pageSize: 2 }),
    fakeFhirSource({ baseUrl: B, resources: hospitalB, calls, supportsInclude: true }),
  );
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function config(overrides: Parameters<typeof testConfig>[0] = {}) {
  return testConfig({
    trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
    sources: [
      { id: 'hospital-a', name: 'Hospital A', fhirBaseUrl: A, timeoutMs: 1000 },
      { id: 'hospital-b', name: 'Hospital B', fhirBaseUrl: B, timeoutMs: 1000 },
    ],
    ...overrides,
  });
}

async function sessionFor(t: TestApp, claims: Record<string, unknown> = {}): Promise<string> {
  const res = await t.startSession(await signLaunch(host, { claims }));
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

async function summary(t: TestApp, token: string): Promise<Response> {
  return t.request('/api/v1/summary', { headers: { Authorization: `Bearer ${token}` } });
}

describe('GET /api/v1/summary', () => {
  it('returns flags, results and letters from every source with values, units, titles and source names', async () => {
    const t = testApp(config());
    const res = await summary(t, await sessionFor(t));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const view = (await res.json()) as SummaryView;
    expect(view.kind).toBe('summary');
    expect(view.patient).toMatchObject({
      nhsNumber: PATIENT_A.nhsNumber,
      name: { family: 'Testpatient', given: ['Alice'] },
      birthDate: '1957-03-12',
    });

    expect(view.flags.items.map((f) => [f.text, f.source?.name, f.severity])).toEqual([
      ['Risk of falls', 'Hospital A', 'high'],
    ]);

    expect(view.results.status).toBe('ok');
    const [hba, ue] = view.results.items;
    expect(hba).toMatchObject({
      name: { display: 'HbA1c' },
      status: 'preliminary',
      source: { id: 'hospital-b', name: 'Hospital B' },
    });
    expect(hba?.observations[0]).toMatchObject({
      value: { kind: 'quantity', value: 58, unit: 'mmol/mol' },
      interpretation: { code: 'H', computed: true },
    });
    expect(ue).toMatchObject({
      name: { display: 'Urea and electrolytes' },
      performer: 'Hospital A Pathology',
      source: { name: 'Hospital A' },
    });
    expect(ue?.observations.map((o) => [o.name.display, o.value, o.interpretation?.display, o.referenceRange])).toEqual(
      [
        ['Potassium', { kind: 'quantity', value: 6.1, unit: 'mmol/L' }, 'High', '3.5–5.3 mmol/L'],
        ['Sodium', { kind: 'quantity', value: 139, unit: 'mmol/L' }, 'Normal', '133–146 mmol/L'],
      ],
    );

    expect(view.letters.items.map((l) => [l.title, l.type, l.specialty, l.author, l.source.name])).toEqual([
      [
        'Discharge summary — acute medical unit',
        'Discharge summary',
        undefined,
        'Hospital A Acute Medicine',
        'Hospital A',
      ],
      [
        'Diabetes clinic letter',
        'Outpatient letter',
        'Diabetes and endocrinology',
        'Hospital B Diabetes Centre',
        'Hospital B',
      ],
    ]);
    expect(JSON.stringify(view)).not.toContain('Superseded');
  });

  it('HAZ-002: audits the view, with counts and source outcomes, before answering', async () => {
    const t = testApp(config());
    await summary(t, await sessionFor(t));
    const [record] = await t.audit.recent(1);
    expect(record).toMatchObject({
      action: 'summary-view',
      outcome: 'shown',
      nhsNumber: PATIENT_A.nhsNumber,
      userVerified: true,
      sections: { flags: 1, results: 2, letters: 2 },
      sources: [
        { id: 'hospital-a', status: 'ok' },
        { id: 'hospital-b', status: 'ok' },
      ],
    });
    expect(record?.user).toMatchObject({ name: 'Dr Ada Testwell', role: 'R8000', org: 'Y12345' });
  });

  it('HAZ-002: sends no data when the audit write fails (503 problem+json)', async () => {
    const t = testApp(config());
    const token = await sessionFor(t);
    const failing: AuditStore = {
      append: () => Promise.reject(new Error('disk full')),
      claimJti: () => Promise.resolve(true),
      recent: () => Promise.resolve([]),
      ping: () => Promise.reject(new Error('disk full')),
      close: () => Promise.resolve(),
    };
    const broken = testApp(config(), { audit: failing });
    const res = await summary(broken, token);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'audit-unavailable' });
    expect(text).not.toContain('Potassium');
    expect(text).not.toContain(PATIENT_A.nhsNumber);
    expect((await broken.request('/readyz')).status).toBe(503);
  });

  it('HAZ-003: shows the other sources when one fails, and names the failed one', async () => {
    server.use(http.get(`${B}/:type`, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 500 })));
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.results.status).toBe('partial');
    expect(view.results.sources).toEqual([
      expect.objectContaining({ source: { id: 'hospital-a', name: 'Hospital A' }, status: 'ok' }),
      { source: { id: 'hospital-b', name: 'Hospital B' }, status: 'unavailable' },
    ]);
    expect(view.results.items.map((r) => r.source.id)).toEqual(['hospital-a']);
    expect(view.letters.items).toHaveLength(1);
  });

  it('HAZ-003: marks every section unavailable when no source answers, without claiming there is no data', async () => {
    server.use(
      http.get(`${A}/:type`, () => HttpResponse.error()),
      http.get(`${B}/:type`, () => HttpResponse.text('<html>', { status: 200 })),
    );
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    for (const section of [view.flags, view.results, view.letters]) {
      expect(section.status).toBe('unavailable');
      expect(section.asOf).toBeUndefined();
    }
    expect((await t.audit.recent(1))[0]).toMatchObject({ outcome: 'error', reason: 'sources-unavailable' });
  });

  it('times out a slow source within its deadline and shows the rest', async () => {
    server.use(
      http.get(`${B}/:type`, async () => {
        await new Promise((r) => setTimeout(r, 3_000));
        return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset' });
      }),
    );
    const t = testApp(
      config({
        sources: [
          { id: 'hospital-a', name: 'Hospital A', fhirBaseUrl: A, timeoutMs: 1000 },
          { id: 'hospital-b', name: 'Hospital B', fhirBaseUrl: B, timeoutMs: 200 },
        ],
      }),
    );
    const token = await sessionFor(t);
    const started = performance.now();
    const view = (await (await summary(t, token)).json()) as SummaryView;
    expect(performance.now() - started).toBeLessThan(1500);
    expect(view.results.status).toBe('partial');
  });

  it('treats a patient unknown to a source as not-found, not as a failure', async () => {
    const t = testApp(config());
    const view = (await (
      await summary(t, await sessionFor(t, { nhs_number: PATIENT_B.nhsNumber }))
    ).json()) as SummaryView;
    expect(view.patient.nhsNumber).toBe(PATIENT_B.nhsNumber);
    expect(view.results.status).toBe('ok');
    expect(view.results.sources.map((s) => s.status)).toEqual(['ok', 'not-found']);
    expect(view.results.items).toEqual([]);
  });

  it('HAZ-001: refuses a source whose Patient has another date of birth than the launch said', async () => {
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t, { birthdate: '1960-01-01' }))).json()) as SummaryView;
    expect(view.results.status).toBe('unavailable');
    expect(view.results.sources.map((s) => s.status)).toEqual(['mismatch', 'mismatch']);
    expect((await t.audit.recent(1))[0]?.sources).toEqual([
      { id: 'hospital-a', status: 'mismatch' },
      { id: 'hospital-b', status: 'mismatch' },
    ]);
    expect(JSON.stringify(view)).not.toContain('Potassium');
  });

  it('HAZ-001: does not call upstream again for a repeat view within the TTL, and never serves one patient to another', async () => {
    const t = testApp(config());
    await summary(t, await sessionFor(t));
    const first = calls.length;
    expect(first).toBeGreaterThan(0);
    await summary(t, await sessionFor(t));
    expect(calls.length).toBe(first);

    const viewB = (await (
      await summary(t, await sessionFor(t, { nhs_number: PATIENT_B.nhsNumber }))
    ).json()) as SummaryView;
    expect(calls.length).toBeGreaterThan(first);
    expect(viewB.patient.nhsNumber).toBe(PATIENT_B.nhsNumber);
    expect(JSON.stringify(viewB)).not.toContain('Potassium');
  });

  it('HAZ-001: reuses a view built moments ago only for the same patient and the same source answers, auditing each', async () => {
    const t = testApp(config());
    const a = await sessionFor(t);
    const b = await sessionFor(t, { nhs_number: PATIENT_B.nhsNumber });
    const wrongBirthDate = await sessionFor(t, { birthdate: '1960-01-01' });
    const viewOf = async (token: string) => (await (await summary(t, token)).json()) as SummaryView;
    const before = (await t.audit.query({ action: 'summary-view', limit: 100 })).length;
    const first = await viewOf(a);
    for (let i = 0; i < 3; i++) {
      // Same clock, same cache entries: the very same answer, for the right patient every time.
      expect(await viewOf(a)).toEqual(first);
      const viewB = await viewOf(b);
      expect(viewB.patient.nhsNumber).toBe(PATIENT_B.nhsNumber);
      expect(JSON.stringify(viewB)).not.toContain('Potassium');
      // Same patient and cache entries, but the launch's date of birth disagrees: never the memorised view.
      const mismatch = await viewOf(wrongBirthDate);
      expect(mismatch.results.sources.map((x) => x.status)).toEqual(['mismatch', 'mismatch']);
      expect(JSON.stringify(mismatch)).not.toContain('Potassium');
    }
    expect(first.patient.nhsNumber).toBe(PATIENT_A.nhsNumber);
    expect(JSON.stringify(first)).toContain('Potassium');
    // Every view was audited, memorised or not.
    expect((await t.audit.query({ action: 'summary-view', limit: 100 })).length - before).toBe(10);
  });

  it('HAZ-003: rebuilds a memorised view after a refresh changed the cache entry, and once it is 1 s old', async () => {
    const t = testApp(config());
    const token = await sessionFor(t);
    const get = async (q = '') =>
      (await (
        await t.request(`/api/v1/summary${q}`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as SummaryView;
    const first = await get();
    expect(first.flags.items.map((f) => f.text)).toEqual(['Risk of falls']);
    // The hospital records a new flag; the cache (and the view) still answer with what was fetched.
    server.use(
      fakeFhirSource({
        baseUrl: A,
        calls,
        pageSize: 2,
        resources: [
          ...hospitalA,
          {
            resourceType: 'Flag',
            id: 'fl-new',
            status: 'active',
            code: { text: 'Needs interpreter' },
            subject: { reference: `${A}/Patient/pa-1` },
          },
        ],
      }),
    );
    expect(await get()).toEqual(first);
    const refreshed = await get('?refresh=true');
    expect(refreshed.flags.items.map((f) => f.text).sort()).toEqual(['Needs interpreter', 'Risk of falls']);
    // The memo is bounded in time by the request's clock: after 1 s the view is built again, as of then.
    expect((await get()).generatedAt).toBe(refreshed.generatedAt);
    t.clock.now = new Date(t.clock.now.getTime() + 1_000);
    expect((await get()).generatedAt).toBe(t.clock.now.toISOString());
  });

  it('HAZ-003: bypasses the cache on ?refresh=true, at most once per 30 s per session', async () => {
    const t = testApp(config());
    const token = await sessionFor(t);
    const get = (q = '') => t.request(`/api/v1/summary${q}`, { headers: { Authorization: `Bearer ${token}` } });
    await get();
    const first = calls.length;
    await get();
    expect(calls.length).toBe(first);
    await get('?refresh=true');
    expect(calls.length).toBe(first * 2);
    await get('?refresh=true');
    expect(calls.length).toBe(first * 2);
  });

  it('HAZ-003: asks upstream again once the TTL has passed', async () => {
    const t = testApp(config({ cache: { ttlSeconds: 1, maxBytes: 1_000_000 } }));
    await summary(t, await sessionFor(t));
    const first = calls.length;
    await new Promise((r) => setTimeout(r, 1100));
    await summary(t, await sessionFor(t));
    expect(calls.length).toBe(first * 2);
  });

  it('coalesces concurrent cold views of one patient into one upstream fetch', async () => {
    const t = testApp(config());
    const tokens = await Promise.all(Array.from({ length: 10 }, () => sessionFor(t)));
    const responses = await Promise.all(tokens.map((token) => summary(t, token)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(calls.filter((c) => c === 'Patient')).toHaveLength(2);
  });

  it('HAZ-002: audits a refused attempt with an expired session, recording the claims as unverified', async () => {
    const t = testApp(config());
    const token = await sessionFor(t);
    t.clock.now = new Date(t.clock.now.getTime() + 16 * 60_000);
    expect((await summary(t, token)).status).toBe(401);
    const [record] = await t.audit.recent(1);
    expect(record).toMatchObject({
      action: 'summary-view',
      outcome: 'refused',
      reason: 'session-expired',
      userVerified: false,
      nhsNumber: PATIENT_A.nhsNumber,
    });
    expect(record?.user?.name).toBe('Dr Ada Testwell');
    await t.request('/api/v1/summary');
    expect((await t.audit.recent(1))[0]).toMatchObject({
      outcome: 'refused',
      reason: 'unauthenticated',
      userVerified: false,
    });
  });

  it('requires a session: 401 with a Bearer challenge', async () => {
    const t = testApp(config());
    const res = await t.request('/api/v1/summary');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
    const bad = await t.request('/api/v1/summary', { headers: { Authorization: 'Bearer not.a.token' } });
    expect(((await bad.json()) as { code: string }).code).toBe('session-invalid');
  });

  it('HAZ-005: refuses an expired session, and a session token with a flipped byte', async () => {
    const t = testApp(config());
    const token = await sessionFor(t);
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    expect(((await (await summary(t, flipped)).json()) as { code: string }).code).toBe('session-invalid');
    t.clock.now = new Date(t.clock.now.getTime() + 16 * 60_000);
    const res = await summary(t, token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('session-expired');
  });

  it('HAZ-001: ignores any attempt to name another patient in the URL or headers', async () => {
    const t = testApp(config());
    const token = await sessionFor(t);
    const res = await t.request(`/api/v1/summary?patient=${PATIENT_B.nhsNumber}&nhs_number=${PATIENT_B.nhsNumber}`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Patient-Id': PATIENT_B.nhsNumber },
    });
    const view = (await res.json()) as SummaryView;
    expect(view.patient.nhsNumber).toBe(PATIENT_A.nhsNumber);
  });

  it('does not follow a next link to another host', async () => {
    server.use(
      http.get(`${B}/DiagnosticReport`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: 'https://evil.test/fhir/DiagnosticReport?page=2' }],
          entry: [],
        }),
      ),
    );
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.results.sources.find((s) => s.source.id === 'hospital-b')?.status).toBe('unavailable');
  });

  it("HAZ-001: drops entries about another patient that a source wrongly returns for this patient's search", async () => {
    const foreign = {
      resourceType: 'Flag',
      id: 'fl-foreign',
      status: 'active',
      code: { text: 'Foreign flag' },
      subject: { reference: `${A}/Patient/pb-1` },
    };
    const noSubject = {
      resourceType: 'Flag',
      id: 'fl-nosubject',
      status: 'active',
      code: { text: 'Flag without subject' },
    };
    const own = hospitalA.find((r) => r.id === 'fl-1');
    server.use(
      http.get(`${A}/Flag`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [own, foreign, noSubject].map((resource) => ({ resource })),
        }),
      ),
    );
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.flags.items.map((f) => f.text)).toEqual(['Risk of falls']);
  });

  it('HAZ-006: never sends items a sensitive-code policy excludes, nor any sign that they were withheld', async () => {
    const gum = {
      ...hospitalA.find((r) => r.id === 'dis-1'),
      id: 'gum-1',
      description: 'Sexual health clinic letter',
      context: { practiceSetting: { coding: [{ system: 'http://snomed.info/sct', code: '394808002' }] } },
    };
    const labelled = {
      ...hospitalA.find((r) => r.id === 'k-1'),
      id: 'hiv-1',
      code: { text: 'HIV viral load' },
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }] },
    };
    const panel = {
      ...hospitalA.find((r) => r.id === 'ue-1'),
      id: 'panel-2',
      code: { text: 'Virology panel' },
      result: [{ reference: 'Observation/hiv-1' }, { reference: 'Observation/na-1' }],
    };
    server.use(fakeFhirSource({ baseUrl: A, resources: [...hospitalA, gum, labelled, panel] as Resource[] }));
    const t = testApp(
      config({
        sensitiveCodes: {
          codes: [{ system: 'http://snomed.info/sct', code: '394808002' }],
          securityLabels: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }],
        },
      }),
    );
    const text = await (await summary(t, await sessionFor(t))).text();
    for (const hidden of ['Sexual health', 'HIV', 'Virology panel', 'gum-1', 'hiv-1', 'panel-2'])
      expect(text).not.toContain(hidden);
    const view = JSON.parse(text) as SummaryView;
    expect(view.letters.items).toHaveLength(2);
    expect(view.results.items).toHaveLength(2);
  });

  it('shows a laboratory observation that no report groups as a result of its own', async () => {
    const loose = {
      resourceType: 'Observation',
      id: 'egfr-9',
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
      ],
      code: { text: 'eGFR' },
      subject: { reference: 'Patient/b-77' },
      valueQuantity: { value: 52, unit: 'mL/min/1.73m2' },
      effectiveDateTime: '2026-11-24T08:00:00Z',
    };
    server.use(fakeFhirSource({ baseUrl: B, resources: [...hospitalB, loose] as Resource[] }));
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    const first = view.results.items[0];
    expect(first).toMatchObject({
      name: { display: 'eGFR' },
      source: { id: 'hospital-b' },
      effective: '2026-11-24T08:00:00Z',
    });
    expect(first?.observations[0]?.value).toEqual({ kind: 'quantity', value: 52, unit: 'mL/min/1.73m2' });
    // Observations that a report groups are not repeated on their own.
    expect(view.results.items.filter((r) => r.name.display === 'HbA1c (IFCC)')).toHaveLength(0);
  });

  it('retries without sorting and includes when a strict server refuses them with 400, then asks without them at once', async () => {
    const strict = fakeFhirSource({ baseUrl: B, resources: hospitalB, supportsInclude: false });
    const refused: string[] = [];
    let asked = 0;
    server.use(
      http.get(`${B}/:type`, ({ request }) => {
        const url = new URL(request.url);
        asked++;
        if (url.searchParams.has('_sort') || url.searchParams.has('_include')) {
          refused.push(url.pathname.split('/').pop() as string);
          return HttpResponse.json(
            { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] },
            { status: 400 },
          );
        }
        return undefined;
      }),
      strict,
    );
    const t = testApp(config());
    const token = await sessionFor(t);
    const view = (await (await summary(t, token)).json()) as SummaryView;
    expect(view.results.status).toBe('ok');
    expect(view.results.items.find((r) => r.source.id === 'hospital-b')?.observations[0]?.name.display).toBe(
      'HbA1c (IFCC)',
    );
    expect(refused.length).toBeGreaterThan(0);
    const refusedTypes = [...new Set(refused)].sort();
    const told = t.logs.filter((l) => l.msg === 'source refuses optional search parameters: searching without them');
    expect(
      told.every((l) => l.level === 'warn' && l['source'] === 'hospital-b' && l['retryParametersAfterMinutes'] === 60),
    ).toBe(true);
    expect(told.map((l) => l['resourceType']).sort()).toEqual(refusedTypes);

    // Remembered: the next view, fetched afresh, sends them no more and shows the same.
    refused.length = 0;
    asked = 0;
    const again = (await (
      await t.request('/api/v1/summary?refresh=true', { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as SummaryView;
    expect(asked).toBeGreaterThan(0);
    expect(refused).toEqual([]);
    expect(again.results.items).toEqual(view.results.items);
  });

  it('HAZ-003: marks a section partial, naming the source as incomplete, when the page cap cuts a search short', async () => {
    const manyFlags = Array.from({ length: 12 }, (_, i) => ({
      resourceType: 'Flag',
      id: `many-${i}`,
      status: 'active',
      code: { text: `Flag ${i}` },
      subject: { reference: 'Patient/b-77' },
    }));
    server.use(fakeFhirSource({ baseUrl: B, resources: [...hospitalB, ...manyFlags] as Resource[], pageSize: 1 }));
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.flags.status).toBe('partial');
    expect(view.flags.sources.find((s) => s.source.id === 'hospital-b')?.status).toBe('incomplete');
    expect(view.flags.items.filter((f) => f.source?.id === 'hospital-b')).toHaveLength(10);
    expect(view.letters.status).toBe('ok');
  });

  describe('a server that forgets a paged search before its next page is asked for (410 Gone)', () => {
    const manyFlags = Array.from({ length: 3 }, (_, i) => ({
      resourceType: 'Flag',
      id: `paged-${i}`,
      status: 'active',
      code: { text: `Paged flag ${i}` },
      subject: { reference: 'Patient/b-77' },
    }));
    /** Hospital B pages its flags one at a time; its next-page links answer 410 while `forgets()` says so. */
    function forgetfulSource(forgets: () => boolean): { flagCalls: () => number } {
      let calls = 0;
      server.use(
        http.get(`${B}/Flag`, ({ request }) => {
          calls++;
          return new URL(request.url).searchParams.has('_offset') && forgets()
            ? HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 410 })
            : undefined;
        }),
        fakeFhirSource({ baseUrl: B, resources: [...hospitalB, ...manyFlags] as Resource[], pageSize: 1 }),
      );
      return { flagCalls: () => calls };
    }

    it('runs the search once more from its first page and shows every flag, none twice', async () => {
      let forgotten = 0;
      const source = forgetfulSource(() => forgotten++ === 0);
      const t = testApp(config());
      const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
      expect(view.flags.status).toBe('ok');
      const texts = view.flags.items.filter((f) => f.source?.id === 'hospital-b').map((f) => f.text);
      expect(texts.filter((text) => text.startsWith('Paged flag')).sort()).toEqual([
        'Paged flag 0',
        'Paged flag 1',
        'Paged flag 2',
      ]);
      expect(new Set(texts).size).toBe(texts.length);
      // Page 1, page 2 (410), then page 1 again and every page after it.
      expect(source.flagCalls()).toBe(2 + (hospitalB.filter((r) => r.resourceType === 'Flag').length + 3));
    });

    it('marks the source unavailable, not partial, when the server forgets the search again', async () => {
      const source = forgetfulSource(() => true);
      const t = testApp(config());
      const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
      expect(view.flags.sources.find((s) => s.source.id === 'hospital-b')?.status).toBe('unavailable');
      expect(view.flags.items.filter((f) => f.source?.id === 'hospital-b')).toEqual([]);
      expect(source.flagCalls()).toBe(4); // page 1, page 2 (410), once more: page 1, page 2 (410)
    });
  });

  it('accepts entries whose subject is a logical reference by NHS number, and drops those naming another NHS number', async () => {
    const byIdentifier = (id: string, nhs: string, text: string) => ({
      resourceType: 'Flag',
      id,
      status: 'active',
      code: { text },
      subject: { identifier: { system: NHS, value: nhs } },
    });
    server.use(
      http.get(`${B}/Flag`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [
            byIdentifier('f1', PATIENT_A.nhsNumber, 'Logical flag'),
            byIdentifier('f2', PATIENT_B.nhsNumber, 'Other patient flag'),
          ].map((resource) => ({ resource })),
        }),
      ),
    );
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.flags.items.map((f) => f.text).sort()).toEqual(['Logical flag', 'Risk of falls']);
  });

  it("shows a laboratory's decimals as written: 4.0 mmol/L, not 4", async () => {
    // As a FHIR server writes it: the trailing zeros are in the JSON text, which msw's json() would lose.
    const bundle = `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation",
      "id":"k-1","status":"final","code":{"text":"Potassium (as written)"},"subject":{"reference":"Patient/b-77"},
      "effectiveDateTime":"2026-11-23T09:00:00Z","valueQuantity":{"value":4.0,"unit":"mmol/L"},
      "referenceRange":[{"low":{"value":3.50,"unit":"mmol/L"},"high":{"value":5.3,"unit":"mmol/L"}}]}}]}`;
    server.use(
      http.get(
        `${B}/Observation`,
        () => new HttpResponse(bundle, { headers: { 'Content-Type': 'application/fhir+json' } }),
      ),
    );
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    const potassium = view.results.items
      .flatMap((r) => r.observations)
      .find((o) => o.name.display === 'Potassium (as written)');
    expect(potassium).toMatchObject({
      value: { kind: 'quantity', value: 4, unit: 'mmol/L', text: '4.0' },
      referenceRange: '3.50–5.3 mmol/L',
    });
  });

  it('compares a partial date of birth at the precision the source holds', async () => {
    server.use(
      fakeFhirSource({
        baseUrl: B,
        resources: [{ ...hospitalB[0], birthDate: '1957' } as Resource, ...hospitalB.slice(1)],
      }),
    );
    const t = testApp(config());
    const view = (await (
      await summary(t, await sessionFor(t, { birthdate: PATIENT_A.birthDate }))
    ).json()) as SummaryView;
    expect(view.results.sources.map((s) => s.status)).toEqual(['ok', 'ok']);
    const other = (await (await summary(t, await sessionFor(t, { birthdate: '1958-03-12' }))).json()) as SummaryView;
    expect(other.results.status).toBe('unavailable');
  });

  describe('HAZ-007: opt-out', () => {
    const denying = (patientRef: string) => ({
      resourceType: 'Consent',
      id: 'c1',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: patientRef },
      provision: { type: 'deny' },
    });
    const consentBundle = (...resources: unknown[]) =>
      HttpResponse.json({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: resources.map((resource) => ({ resource })),
      });

    async function expectOptedOut(res: Response): Promise<void> {
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        kind: 'opted-out',
        patient: { nhsNumber: PATIENT_A.nhsNumber },
        generatedAt: expect.any(String),
      });
      for (const clinical of ['Potassium', 'Risk of falls', 'Discharge', 'items', 'flags', 'results'])
        expect(text).not.toContain(clinical);
    }

    it('answers opted-out, with no upstream call, for an NHS number on the local list', async () => {
      const t = testApp(config({ optOut: { nhsNumbers: [PATIENT_A.nhsNumber] } }));
      await expectOptedOut(await summary(t, await sessionFor(t)));
      expect(calls).toEqual([]);
      const [record] = await t.audit.recent(1);
      expect(record).toMatchObject({ action: 'summary-view', outcome: 'opted-out', nhsNumber: PATIENT_A.nhsNumber });
      expect(record?.sections).toBeUndefined();
    });

    it('answers opted-out when any one source holds a consent denying sharing', async () => {
      server.use(http.get(`${B}/Consent`, () => consentBundle(denying('Patient/b-77'))));
      const t = testApp(config());
      await expectOptedOut(await summary(t, await sessionFor(t)));
      expect((await t.audit.recent(1))[0]).toMatchObject({
        outcome: 'opted-out',
        sources: [
          { id: 'hospital-a', status: 'ok' },
          { id: 'hospital-b', status: 'ok' },
        ],
      });
    });

    it('ignores a denying consent about another patient', async () => {
      server.use(http.get(`${B}/Consent`, () => consentBundle(denying('Patient/someone-else'))));
      const t = testApp(config());
      expect(((await (await summary(t, await sessionFor(t))).json()) as SummaryView).kind).toBe('summary');
    });

    it('treats a server without Consent (404) as holding no objection, and a failing Consent search as a failed source', async () => {
      server.use(
        http.get(`${B}/Consent`, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 404 })),
      );
      const t = testApp(config());
      const ok = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
      expect(ok.results.status).toBe('ok');

      server.use(
        http.get(`${B}/Consent`, () => HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 500 })),
      );
      const t2 = testApp(config());
      const partial = (await (await summary(t2, await sessionFor(t2))).json()) as SummaryView;
      expect(partial.results.sources.find((s) => s.source.id === 'hospital-b')?.status).toBe('unavailable');
      expect(JSON.stringify(partial)).not.toContain('HbA1c');
    });
  });

  it('HAZ-001: refuses a source that answers the NHS-number search with a Patient carrying another NHS number', async () => {
    const wrong = { ...hospitalB[0], identifier: [{ system: NHS, value: PATIENT_B.nhsNumber }] } as Resource;
    server.use(
      http.get(`${B}/Patient`, () =>
        HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: wrong }] }),
      ),
    );
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.results.status).toBe('partial');
    expect(view.results.sources.find((s) => s.source.id === 'hospital-b')?.status).toBe('mismatch');
    expect(JSON.stringify(view)).not.toContain('HbA1c');
  });

  it('HAZ-001: refuses a source with two records for one NHS number rather than guessing', async () => {
    server.use(fakeFhirSource({ baseUrl: B, resources: [...hospitalB, patientA('b-78')] }));
    const t = testApp(config());
    const view = (await (await summary(t, await sessionFor(t))).json()) as SummaryView;
    expect(view.results.sources.find((s) => s.source.id === 'hospital-b')?.status).toBe('unavailable');
  });

  it('keeps patient data out of the logs', async () => {
    const t = testApp(config());
    await summary(t, await sessionFor(t));
    const logs = JSON.stringify(t.logs);
    expect(t.logs.length).toBeGreaterThan(2);
    for (const secret of [PATIENT_A.nhsNumber, 'Testpatient', 'Potassium', '6.1', 'Ada Testwell'])
      expect(logs).not.toContain(secret);
  });
});
