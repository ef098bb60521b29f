/**
 * The BFF's logs carry no patient data: a whole demo run — every demo patient viewed through the
 * real API, letters opened, sources failing, launches refused — is logged through the real JSON
 * logger, and no line holds an NHS number, a patient's name or a result from the demo data. The
 * same run's `/metrics`, scraped as an operator would with the demo's reader key, counts it all and
 * holds no patient data either.
 */
import { type RunningDemo, startDemo } from '@care-sidebar/demo';
import { demoSourceResources, gpPatients } from '@care-sidebar/demo/mocks';
import type { Resource } from '@medplum/fhirtypes';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BFF_PORT = 18797;
const PAGE_PORT = 15183;

const resources: readonly Resource[] = Object.values<readonly Resource[]>(demoSourceResources).flat();

/** Every NHS number in the demo data, as digits and as the banner shows it (3-3-4). */
function nhsNumbers(): string[] {
  const numbers = new Set(gpPatients.map((p) => p.nhsNumber));
  for (const r of resources) {
    if (r.resourceType !== 'Patient') continue;
    for (const id of r.identifier ?? []) if (id.value && /^\d{10}$/.test(id.value)) numbers.add(id.value);
  }
  return [...numbers].flatMap((n) => [n, `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`]);
}

/** Every given and family name of every demo patient, at the GP and at the hospitals. */
function names(): string[] {
  const all = new Set(gpPatients.flatMap((p) => [p.family, p.given]));
  for (const r of resources) {
    if (r.resourceType !== 'Patient') continue;
    for (const n of r.name ?? []) {
      if (n.family) all.add(n.family);
      for (const g of n.given ?? []) all.add(g);
    }
  }
  return [...all].filter((n) => n.length >= 3);
}

/** Result values (numbers and text), letter titles and flag texts from the demo data. */
function clinicalValues(): { numbers: Set<number>; texts: Set<string> } {
  const numbers = new Set<number>();
  const texts = new Set<string>();
  for (const r of resources) {
    if (r.resourceType === 'Observation') {
      if (r.valueQuantity?.value !== undefined) {
        numbers.add(r.valueQuantity.value);
        texts.add(`${r.valueQuantity.value} ${r.valueQuantity.unit ?? ''}`.trim());
      }
      if (r.valueString) texts.add(r.valueString);
      if (r.valueCodeableConcept?.text) texts.add(r.valueCodeableConcept.text);
      for (const c of r.valueCodeableConcept?.coding ?? []) if (c.display) texts.add(c.display);
    }
    if (r.resourceType === 'DocumentReference' && r.description) texts.add(r.description);
    if (r.resourceType === 'Flag' && r.code?.text) texts.add(r.code.text);
  }
  return { numbers, texts };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A value as a whole token: `6.1` is not found inside `56.12`, nor `78` inside `1782` or `a78f`. */
const token = (s: string, flags = '') => new RegExp(`(?<![\\w.])${escape(s)}(?![\\w]|\\.\\d)`, flags);

/** Every NHS number, name and clinical text of the demo data, as whole-token patterns. */
function forbiddenTexts(): { what: string; pattern: RegExp }[] {
  return [
    ...nhsNumbers().map((n) => ({ what: 'NHS number', pattern: token(n) })),
    ...names().map((n) => ({ what: 'name', pattern: token(n, 'i') })),
    ...[...clinicalValues().texts].map((t) => ({ what: 'clinical text', pattern: token(t, 'i') })),
    ...[...clinicalValues().numbers].map((n) => ({ what: 'result value', pattern: token(String(n)) })),
  ];
}

/** Numeric fields the BFF writes by design: HTTP statuses, ports, timings, sizes and counts. */
const numericByDesign = (field: string) =>
  ['status', 'httpStatus', 'port'].includes(field) || /(Ms|Bytes|Count|Entries)$/.test(field);

let demo: RunningDemo;
const lines: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-logs-'));
  demo = await startDemo({
    bffPort: BFF_PORT,
    pagePort: PAGE_PORT,
    auditUrl: `sqlite:${join(dir, 'audit.db')}`,
    quiet: true,
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await demo?.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${demo.bffUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function launchFor(nhsNumber: string, birthdate?: string): Promise<string> {
  const res = await post('/demo/launch-token', { nhsNumber, ...(birthdate ? { birthdate } : {}) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { launch: string }).launch;
}

async function sessionFor(launch: string): Promise<Response> {
  return post('/api/v1/session', { launch });
}

function get(path: string, token: string): Promise<Response> {
  return fetch(`${demo.bffUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
}

/** Views a patient as the widget does: session, summary, then every letter shown. */
async function view(nhsNumber: string, birthdate?: string): Promise<void> {
  const res = await sessionFor(await launchFor(nhsNumber, birthdate));
  expect(res.status).toBe(201);
  const { token } = (await res.json()) as { token: string };
  const summary = await get('/api/v1/summary', token);
  expect(summary.status).toBe(200);
  // An opted-out patient's answer has no sections at all.
  const body = (await summary.json()) as { letters?: { items: { id: string }[] } };
  for (const letter of body.letters?.items ?? []) {
    const opened = await get(`/api/v1/letters/${encodeURIComponent(letter.id)}`, token);
    expect([200, 404, 502, 503]).toContain(opened.status);
    await opened.arrayBuffer();
  }
  expect((await get('/api/v1/summary?refresh=true', token)).status).toBe(200);
}

describe('logs of a full demo run', () => {
  it('hold request ids, routes, statuses, latencies and source outcomes, and no patient data at all', async () => {
    // Every demo patient, with every source answering.
    for (const patient of gpPatients) await view(patient.nhsNumber, patient.birthDate);

    // A launch whose date of birth disagrees with the hospitals' records (before the faults below
    // open the sources' breakers, which would leave no record to compare).
    await view(gpPatients[1]?.nhsNumber ?? '', '1900-01-01');

    // Sources failing: one down, one flaky, while patients known to both are viewed.
    demo.sourceFaults.setMode('hospital-a', 'down');
    demo.sourceFaults.setMode('hospital-b', 'flaky');
    for (const patient of gpPatients.slice(0, 3)) await view(patient.nhsNumber, patient.birthDate);
    demo.sourceFaults.reset();

    // Refusals: a replayed launch, a forged session token, a scrape without credentials.
    const launch = await launchFor(gpPatients[0]?.nhsNumber ?? '');
    expect((await sessionFor(launch)).status).toBe(201);
    expect((await sessionFor(launch)).status).toBe(401);
    expect((await sessionFor(`${launch.slice(0, -4)}AAAA`)).status).toBe(401);
    expect((await get('/api/v1/summary', 'not.a.token')).status).toBe(401);
    expect((await fetch(`${demo.bffUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${demo.bffUrl}/readyz`)).status).toBe(200);

    // The logs were written and say what operators need.
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((e) => e['msg'] === 'request');
    expect(requests.length).toBeGreaterThan(50);
    for (const r of requests) {
      expect(r).toMatchObject({ level: 'info', service: 'care-sidebar-bff' });
      expect(r['requestId']).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof r['route']).toBe('string');
      expect(typeof r['status']).toBe('number');
      expect(typeof r['latencyMs']).toBe('number');
    }
    expect(requests.some((r) => r['route'] === '/api/v1/letters/:id' && r['status'] === 200)).toBe(true);
    expect(entries.some((e) => e['msg'] === 'source answered' && e['outcome'] === 'ok')).toBe(true);
    expect(entries.some((e) => e['msg'] === 'source unavailable' && e['source'] === 'hospital-a')).toBe(true);
    expect(entries.some((e) => e['failure'] === 'demographics-mismatch')).toBe(true);
    expect(entries.some((e) => e['msg'] === 'launch refused' && e['reason'] === 'launch-invalid')).toBe(true);

    // And nothing about any patient.
    const forbidden = forbiddenTexts();
    expect(forbidden.length).toBeGreaterThan(100);
    const resultNumbers = clinicalValues().numbers;
    const leaks: string[] = [];
    for (const entry of entries) {
      for (const [field, value] of Object.entries(entry)) {
        if (field === 'time' || field === 'requestId') continue; // formats checked above; digits by design
        if (typeof value === 'number') {
          if (!numericByDesign(field) && resultNumbers.has(value)) leaks.push(`${field}=${value} (result value)`);
          continue;
        }
        const text = String(value);
        for (const { what, pattern } of forbidden) if (pattern.test(text)) leaks.push(`${field}: ${what} ${pattern}`);
      }
    }
    expect(leaks).toEqual([]);
    // Field names included: the raw lines hold no NHS number in any form either.
    for (const n of nhsNumbers()) expect(lines.filter((line) => line.includes(n))).toEqual([]);
  });

  // Runs after the test above, on the metrics that run left behind (tests in a file run in order).
  it('leave /metrics counting requests, upstream calls, breakers, cache, audit commits and refusals, with no patient data', async () => {
    expect(
      (await fetch(`${demo.bffUrl}/metrics`, { headers: { Authorization: 'ApiKey not-the-demo-reader-key' } })).status,
    ).toBe(401);
    const res = await fetch(`${demo.bffUrl}/metrics`, { headers: { Authorization: `ApiKey ${demo.readerApiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = prometheusSamples(await res.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);

    // Requests and their latency, by route pattern.
    expect(value('care_sidebar_http_requests_total', { route: '/api/v1/summary', status: '200' })).toBeGreaterThan(10);
    expect(value('care_sidebar_http_request_duration_seconds_count', { route: '/api/v1/letters/:id' })).toBeGreaterThan(
      0,
    );
    // Upstream calls and their latency, by source and outcome (the faults made some fail).
    expect(value('care_sidebar_upstream_requests_total', { source: 'hospital-a', outcome: 'ok' })).toBeGreaterThan(0);
    const failed = samples.filter(
      (s) =>
        s.name === 'care_sidebar_upstream_requests_total' &&
        !['ok', 'not-found', 'mismatch'].includes(s.labels['outcome'] ?? ''),
    );
    expect(failed.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(0);
    expect(value('care_sidebar_upstream_request_duration_seconds_count', { source: 'hospital-b' })).toBeGreaterThan(0);
    // Each source's breaker, the cache, the audit queue and its commits, refused launches by reason.
    for (const source of ['hospital-a', 'hospital-b'])
      expect(
        samples.some((s) => s.name === 'care_sidebar_circuit_breaker_state' && s.labels['source'] === source),
      ).toBe(true);
    expect(value('care_sidebar_cache_hits_total') + value('care_sidebar_cache_misses_total')).toBeGreaterThan(10);
    expect(value('care_sidebar_cache_misses_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'care_sidebar_cache_bytes')).toBe(true);
    expect(samples.some((s) => s.name === 'care_sidebar_audit_queue_depth')).toBe(true);
    expect(value('care_sidebar_audit_commit_duration_seconds_count')).toBeGreaterThan(10);
    expect(value('care_sidebar_launches_refused_total', { reason: 'launch-invalid' })).toBeGreaterThan(0);

    // Labels name routes, sources, outcomes and problem codes only: no patient data in any of them
    // (a bucket bound `le`, an HTTP `status` and Node's own version and process labels are numbers by
    // design, as sample values are).
    const numericLabelByDesign = (metric: string, label: string) =>
      ['le', 'status'].includes(label) || /^(nodejs|process)_/.test(metric);
    const forbidden = forbiddenTexts();
    const leaks = samples.flatMap((s) =>
      Object.entries(s.labels).flatMap(([label, text]) =>
        forbidden
          .filter(({ what }) => what !== 'result value' || !numericLabelByDesign(s.name, label))
          .filter(({ pattern }) => pattern.test(text))
          .map(({ what }) => `${s.name}{${label}="${text}"}: ${what}`),
      ),
    );
    expect(leaks).toEqual([]);
  });
});

interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (version 0.0.4): `name{label="value",…} number`. */
function prometheusSamples(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[name as string] = (raw as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}
