import type { LetterContent } from '@care-sidebar/shared';
import type { Resource } from '@medplum/fhirtypes';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const PDF = Buffer.from('%PDF-1.4\n% synthetic letter\n%%EOF\n');

const patient = (id: string, nhs: string): Resource => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: NHS, value: nhs }],
});
const letter = (
  id: string,
  patientId: string,
  attachment: Record<string, unknown>,
  over: Record<string, unknown> = {},
): Resource => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  type: { text: 'Discharge summary' },
  subject: { reference: `Patient/${patientId}` },
  date: '2026-11-18T16:00:00Z',
  description: `Letter ${id}`,
  content: [{ attachment }],
  ...over,
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

const resources: Resource[] = [
  patient('pa', PATIENT_A.nhsNumber),
  patient('pb', PATIENT_B.nhsNumber),
  letter('html-1', 'pa', {
    contentType: 'text/html; charset=utf-8',
    data: b64(
      '<h1>Discharge</h1><p onclick="x()">Home on <b>amoxicillin</b></p><script>window.pwned=1</script><img src="https://tracker.example/p.gif">',
    ),
  }),
  letter('text-1', 'pa', { contentType: 'text/plain', url: 'Binary/bin-text' }),
  letter('pdf-1', 'pa', { contentType: 'application/pdf', url: `${A}/Binary/bin-pdf` }),
  letter('foreign-1', 'pa', { contentType: 'text/html', url: 'https://docs.elsewhere.test/letter.html' }),
  letter('old-1', 'pa', { contentType: 'text/plain', data: b64('old') }, { status: 'superseded' }),
  letter(
    'gum-1',
    'pa',
    { contentType: 'text/plain', data: b64('sensitive') },
    { context: { practiceSetting: { coding: [{ system: 'http://snomed.info/sct', code: '394808002' }] } } },
  ),
  letter('dicom-1', 'pa', { contentType: 'application/dicom', data: b64('x') }),
  letter('b-letter', 'pb', { contentType: 'text/plain', data: b64("Bob's letter") }),
];

let host: TestIssuer;
const server = setupServer();
beforeAll(async () => {
  host = await createIssuer(HOST);
  server.listen({ onUnhandledFrame: 'error' });
});
beforeEach(() => {
  server.use(
    http.get(`${A}/Binary/bin-text`, () =>
      HttpResponse.json(
        { resourceType: 'Binary', contentType: 'text/plain', data: b64('Seen in clinic.\nPlan: <review> in 6 weeks.') },
        { headers: { 'Content-Type': 'application/fhir+json' } },
      ),
    ),
    http.get(`${A}/Binary/bin-pdf`, () => new HttpResponse(PDF, { headers: { 'Content-Type': 'application/pdf' } })),
    fakeFhirSource({ baseUrl: A, resources }),
  );
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function config(overrides: Parameters<typeof testConfig>[0] = {}) {
  return testConfig({
    trustedIssuers: [{ issuer: HOST, jwks: { keys: [host.publicJwk as { kty: string; kid: string }] } }],
    sources: [{ id: 'hospital-a', name: 'Hospital A', fhirBaseUrl: A, timeoutMs: 1000 }],
    sensitiveCodes: { codes: [{ system: 'http://snomed.info/sct', code: '394808002' }], securityLabels: [] },
    ...overrides,
  });
}

async function open(t: TestApp, id: string, nhs = PATIENT_A.nhsNumber): Promise<Response> {
  const res = await t.startSession(await signLaunch(host, { claims: { nhs_number: nhs } }));
  const { token } = (await res.json()) as { token: string };
  return t.request(`/api/v1/letters/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token}` } });
}

describe('GET /api/v1/letters/{id}', () => {
  it('returns sanitised HTML, and audits the opening with the letter id before answering', async () => {
    const t = testApp(config());
    const res = await open(t, 'hospital-a:html-1');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as LetterContent;
    expect(body).toMatchObject({
      id: 'hospital-a:html-1',
      title: 'Letter html-1',
      contentType: 'text/html',
      source: { name: 'Hospital A' },
    });
    expect(body.content).toContain('<h1>Discharge</h1>');
    expect(body.content).toContain('<b>amoxicillin</b>');
    for (const bad of ['script', 'onclick', 'pwned', '<img', 'tracker']) expect(body.content).not.toContain(bad);
    const [record] = await t.audit.recent(1);
    expect(record).toMatchObject({
      action: 'letter-open',
      outcome: 'shown',
      letterId: 'hospital-a:html-1',
      nhsNumber: PATIENT_A.nhsNumber,
      userVerified: true,
    });
  });

  it('fetches a plain-text letter from a Binary on the source and returns it as text', async () => {
    const body = (await (await open(testApp(config()), 'hospital-a:text-1')).json()) as LetterContent;
    expect(body).toMatchObject({ contentType: 'text/plain', content: 'Seen in clinic.\nPlan: <review> in 6 weeks.' });
  });

  it('serves a PDF as application/pdf bytes under a sandboxing CSP', async () => {
    const res = await open(testApp(config()), 'hospital-a:pdf-1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it("answers 404, audited as refused, for another patient's letter, a superseded one, a sensitive one, or a bad id", async () => {
    const t = testApp(config());
    for (const id of [
      'hospital-a:b-letter',
      'hospital-a:old-1',
      'hospital-a:gum-1',
      'hospital-a:nope',
      'hospital-z:html-1',
      '../../etc/passwd',
      'hospital-a:',
    ]) {
      const res = await open(t, id);
      expect(res.status, id).toBe(404);
      const text = await res.text();
      expect(text).not.toContain("Bob's letter");
      expect(text).not.toContain('sensitive');
      const [record] = await t.audit.recent(1);
      expect(record, id).toMatchObject({ action: 'letter-open', outcome: 'refused', reason: 'not-found' });
    }
  });

  it('never fetches an attachment from another host with the source credentials', async () => {
    const res = await open(testApp(config()), 'hospital-a:foreign-1');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('source-unavailable');
  });

  it('says when a letter has no content the reader can show', async () => {
    const res = await open(testApp(config()), 'hospital-a:dicom-1');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('letter-content-unavailable');
  });

  it('hides every letter of an opted-out patient', async () => {
    const res = await open(testApp(config({ optOut: { nhsNumbers: [PATIENT_A.nhsNumber] } })), 'hospital-a:html-1');
    expect(res.status).toBe(404);
  });

  it('requires a session', async () => {
    const res = await testApp(config()).request('/api/v1/letters/hospital-a:html-1');
    expect(res.status).toBe(401);
  });

  it('sends nothing when the opening cannot be audited', async () => {
    const t = testApp(config());
    const session = await t.startSession(await signLaunch(host));
    const { token } = (await session.json()) as { token: string };
    const broken = testApp(config(), {
      audit: {
        append: () => Promise.reject(new Error('disk full')),
        claimJti: () => Promise.resolve(true),
        recent: () => Promise.resolve([]),
        ping: () => Promise.resolve(),
        close: () => Promise.resolve(),
      },
    });
    const res = await broken.request('/api/v1/letters/hospital-a:html-1', {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('amoxicillin');
  });
});
