import { problemType } from '@care-sidebar/shared';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
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
const API_KEY = 'ig-reader-key-abcdefghijabcdef';
let host: TestIssuer;

beforeAll(async () => {
  host = await createIssuer(HOST, 'host-key-1', 'ES256');
});

function app(): TestApp {
  return testApp(
    testConfig({
      trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
      clinicalRoles: ['R8000'],
      audit: {
        url: 'sqlite::memory:',
        readers: { apiKeySha256: [createHash('sha256').update(API_KEY).digest('hex')], igRoles: ['R8010'] },
      },
    }),
  );
}

const apiKey = { Authorization: `ApiKey ${API_KEY}` };

/** Three sessions: two for patient A (two users), one for B. */
async function seed(t: TestApp): Promise<string> {
  let token = '';
  for (const [nhs, sub] of [
    [PATIENT_A.nhsNumber, 'user-1'],
    [PATIENT_A.nhsNumber, 'user-2'],
    [PATIENT_B.nhsNumber, 'user-1'],
  ] as const) {
    const res = await t.startSession(await signLaunch(host, { now: t.clock.now, claims: { nhs_number: nhs, sub } }));
    expect(res.status).toBe(201);
    token = ((await res.json()) as { token: string }).token;
  }
  return token;
}

describe('GET /api/v1/audit (IG readers only)', () => {
  it('b61: refuses a clinical session token with 403, and audits the attempt', async () => {
    const t = app();
    const session = await seed(t);
    const res = await t.request('/api/v1/audit', { headers: { Authorization: `Bearer ${session}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { type: string }).type).toBe(problemType('insufficient-role'));
    expect((await t.audit.recent(1))[0]).toMatchObject({
      action: 'audit-read',
      outcome: 'refused',
      reason: 'insufficient-role',
      userVerified: true,
      user: { id: 'user-1' },
    });
  });

  it('refuses no credential and a wrong API key with 401, audited', async () => {
    const t = app();
    expect((await t.request('/api/v1/audit')).status).toBe(401);
    const res = await t.request('/api/v1/audit', { headers: { Authorization: 'ApiKey wrong-key-abcdefghijabcdef' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('ApiKey');
    const refusals = await t.audit.recent(2);
    expect(refusals.map((r) => [r.action, r.outcome, r.reason])).toEqual([
      ['audit-read', 'refused', 'unauthenticated'],
      ['audit-read', 'refused', 'unauthenticated'],
    ]);
  });

  it('b61: with the API key: 200, filtered by patient, and the read itself is audited with its filter', async () => {
    const t = app();
    await seed(t);
    const res = await t.request(`/api/v1/audit?nhsNumber=${PATIENT_A.nhsNumber}&action=session-start`, {
      headers: apiKey,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { records: { seq: number; user: { id: string }; nhsNumber: string }[] };
    expect(body.records.map((r) => [r.nhsNumber, r.user.id])).toEqual([
      [PATIENT_A.nhsNumber, 'user-1'],
      [PATIENT_A.nhsNumber, 'user-2'],
    ]);
    const [read] = await t.audit.recent(1);
    expect(read).toMatchObject({
      action: 'audit-read',
      outcome: 'shown',
      nhsNumber: PATIENT_A.nhsNumber,
      detail: { action: 'session-start', returned: 2, format: 'json' },
      userVerified: true,
    });
    expect(read?.sections).toBeUndefined();
  });

  it('pages with limit and cursor', async () => {
    const t = app();
    await seed(t);
    const first = (await (await t.request('/api/v1/audit?limit=2', { headers: apiKey })).json()) as {
      records: { seq: number }[];
      next: string;
    };
    expect(first.records.map((r) => r.seq)).toEqual([1, 2]);
    const second = (await (
      await t.request(`/api/v1/audit?limit=2&cursor=${first.next}`, { headers: apiKey })
    ).json()) as { records: { seq: number }[]; next: string | null };
    expect(second.records.map((r) => r.seq)).toEqual([3, 4]);
  });

  it('filters by user, organisation, outcome and time range; rejects a bad filter with 400', async () => {
    const t = app();
    await seed(t);
    const q = async (query: string) =>
      ((await (await t.request(`/api/v1/audit?${query}`, { headers: apiKey })).json()) as { records: unknown[] })
        .records.length;
    expect(await q('user=user-2')).toBe(1);
    expect(await q('org=Y12345&action=session-start')).toBe(3);
    expect(await q('outcome=started')).toBe(3);
    expect(await q(`from=${new Date(t.clock.now.getTime() + 60_000).toISOString()}`)).toBe(0);
    for (const bad of ['nhsNumber=9990000019', 'action=delete', 'limit=0', 'cursor=-1', 'from=yesterday', 'x=1']) {
      expect((await t.request(`/api/v1/audit?${bad}`, { headers: apiKey })).status, bad).toBe(400);
    }
  });

  it('answers CSV (formula-safe) and a FHIR Bundle of AuditEvents, by ?format= or Accept', async () => {
    const t = app();
    await t.startSession(
      await signLaunch(host, { now: t.clock.now, claims: { name: '=HYPERLINK("http://evil")', role: 'R9999' } }),
    );
    const csv = await t.request('/api/v1/audit?format=csv', { headers: apiKey });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toMatch(/^seq,at,requestId,action,outcome,/);
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);

    await seed(t);
    const fhir = await t.request(`/api/v1/audit?nhsNumber=${PATIENT_B.nhsNumber}`, {
      headers: { ...apiKey, Accept: 'application/fhir+json' },
    });
    expect(fhir.headers.get('content-type')).toContain('application/fhir+json');
    const bundle = (await fhir.json()) as {
      resourceType: string;
      entry: { resource: { agent: unknown[]; entity: unknown[] } }[];
    };
    expect(bundle.resourceType).toBe('Bundle');
    const event = bundle.entry[0]!.resource;
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      action: 'E',
      outcome: '0',
      type: { code: '110114' },
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
      source: { observer: { display: 'care-sidebar BFF' } },
    });
    expect(event.agent[0]).toMatchObject({
      requestor: true,
      who: { identifier: { value: 'user-1' }, display: 'Dr Ada Testwell' },
      role: [{ coding: [{ code: 'R8000' }] }],
    });
    expect(event.agent[1]).toMatchObject({ who: { identifier: { value: 'Y12345' } } });
    expect(event.entity[0]).toMatchObject({
      what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: PATIENT_B.nhsNumber } },
      role: { code: '1' },
    });
    // The refused launch (insufficient role) is a serious failure: 8.
    const all = (await (await t.request('/api/v1/audit?format=fhir', { headers: apiKey })).json()) as {
      entry: { resource: { outcome: string; outcomeDesc: string } }[];
    };
    expect(all.entry[0]!.resource).toMatchObject({ outcome: '8', outcomeDesc: 'refused: insufficient-role' });
  });

  it('accepts a launch token whose role is an IG role (single use), and refuses a clinical role with 403', async () => {
    const t = app();
    await seed(t);
    const ig = await signLaunch(host, { now: t.clock.now, claims: { role: 'R8010', sub: 'ig-lead' } });
    const ok = await t.request('/api/v1/audit', { headers: { Authorization: `Bearer ${ig}` } });
    expect(ok.status).toBe(200);
    expect((await t.audit.recent(1))[0]).toMatchObject({ action: 'audit-read', user: { id: 'ig-lead' } });
    const replay = await t.request('/api/v1/audit', { headers: { Authorization: `Bearer ${ig}` } });
    expect(((await replay.json()) as { code: string }).code).toBe('launch-replayed');
    const clinician = await signLaunch(host, { now: t.clock.now });
    expect((await t.request('/api/v1/audit', { headers: { Authorization: `Bearer ${clinician}` } })).status).toBe(403);
    // And an IG role cannot start a clinical session.
    expect((await t.startSession(await signLaunch(host, { now: t.clock.now, claims: { role: 'R8010' } }))).status).toBe(
      403,
    );
  });

  it('answers "who viewed this record" as CSV for one patient, audited', async () => {
    const t = app();
    await seed(t);
    const res = await t.request(`/api/v1/audit/report?nhsNumber=${PATIENT_A.nhsNumber}`, { headers: apiKey });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('when,who,role,organisation,what,outcome,shown,identity checked');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('Dr Ada Testwell,R8000,Y12345,opened the record,started');
    expect((await t.audit.recent(1))[0]).toMatchObject({
      action: 'audit-read',
      nhsNumber: PATIENT_A.nhsNumber,
      detail: { report: 'subject-access', returned: 2 },
    });
    expect((await t.request('/api/v1/audit/report?nhsNumber=123', { headers: apiKey })).status).toBe(400);
  });

  it('HAZ-002: sends no audit data when the read cannot be audited', async () => {
    const t = app();
    await seed(t);
    await t.audit.close();
    const res = await t.request('/api/v1/audit', { headers: apiKey });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain(PATIENT_A.nhsNumber);
  });
});
