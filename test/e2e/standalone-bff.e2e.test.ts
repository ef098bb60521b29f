/**
 * The BFF started alone (`npm start`), as an integrator runs it, against things this repository
 * has never seen: two independent FHIR R4 servers (two fictional hospitals) and a host GP
 * system with its own keys — one issuer publishing a JWKS over HTTP (RS256), one configured
 * inline (ES256). Only the public contract is used: the config file, the environment, HTTP,
 * the SQLite audit file and stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BffChild, freePort, REPO_ROOT, startBff } from './support/bff-process.ts';
import {
  createHostIssuer,
  type HostIssuer,
  type HostUser,
  type JwksServer,
  type LaunchOptions,
  launchClaims,
  signLaunch,
  startJwksServer,
  unsignedLaunch,
} from './support/host-system.ts';
import { type RunningFhirServer, startFhirServer } from './support/independent-fhir-server.ts';
import {
  BAD_CHECK_DIGIT_NHS_NUMBER,
  calderbrookResources,
  fellmoorResources,
  FLAG,
  HOSPITAL,
  LAB,
  LETTER,
  MARIGOLD,
  nhsCheckDigit,
  PERPETUA,
  REPORT,
  type SyntheticPatient,
  THADDEUS,
} from './support/synthetic-hospitals.ts';

// ---------------------------------------------------------------------------------------------
// The world: hospitals, host system, users, BFF

const SECRET_ENV = 'STANDALONE_E2E_SESSION_SECRET';
const SECRET = randomBytes(32).toString('base64url');

const DR_FARROW: HostUser = {
  sub: 'c3d9a1f0-5b7e-4e2a-9c61-0f4b8d2e7a13',
  name: 'Dr Imogen Farrow',
  role: 'R8000',
  org: 'Y98765',
};
const NURSE_PEMBURY: HostUser = {
  sub: 'uid-70441-pembury',
  name: 'Halcyon Pembury',
  role: 'R8003',
  org: 'Y98766',
};

interface World {
  readonly dir: string;
  readonly calderbrook: RunningFhirServer;
  readonly fellmoor: RunningFhirServer;
  /** RS256, JWKS served over HTTP. */
  readonly wharfedale: HostIssuer;
  /** ES256, JWKS inline in the config. */
  readonly fellside: HostIssuer;
  readonly jwks: JwksServer;
  readonly bff: BffChild;
  readonly auditPath: string;
}

let world: World | undefined;
const extraBffs: BffChild[] = [];

function w(): World {
  if (!world) throw new Error('beforeAll did not finish');
  return world;
}

function bffConfig(options: {
  port: number;
  auditPath: string;
  jwksUri: string;
  inlineIssuer: HostIssuer;
  httpIssuer: HostIssuer;
  calderbrook: string;
  fellmoor: string;
}): Record<string, unknown> {
  return {
    publicUrl: `http://127.0.0.1:${options.port}`,
    port: options.port,
    host: '127.0.0.1',
    trustedIssuers: [
      { issuer: options.httpIssuer.issuer, jwksUri: options.jwksUri },
      { issuer: options.inlineIssuer.issuer, jwks: { keys: [options.inlineIssuer.publicJwk] } },
    ],
    clinicalRoles: ['R8000', 'R8003'],
    sources: [
      { ...HOSPITAL.calderbrook, fhirBaseUrl: options.calderbrook, timeoutMs: 5_000, auth: { type: 'none' } },
      { ...HOSPITAL.fellmoor, fhirBaseUrl: options.fellmoor, timeoutMs: 5_000, auth: { type: 'none' } },
    ],
    cache: { ttlSeconds: 30, maxBytes: 8 * 1024 * 1024 },
    audit: { url: `sqlite:${options.auditPath}` },
    session: { ttlSeconds: 600, secretEnv: SECRET_ENV },
    allowedOrigins: [],
    sensitiveCodes: { codes: [], securityLabels: [] },
  };
}

async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-standalone-'));
  const now = new Date();
  const [calderbrook, fellmoor, wharfedale, fellside] = await Promise.all([
    startFhirServer({ resources: calderbrookResources(now) }),
    // HAPI-like paging: at most two matches a page, whatever _count asks for.
    startFhirServer({ resources: fellmoorResources(now), maxPageSize: 2 }),
    createHostIssuer('https://emis-like.wharfedale-gp.example/launch', 'RS256', 'wharfedale-2025-09'),
    createHostIssuer('urn:example:host:fellside-practice-system', 'ES256', 'fellside-es256-1'),
  ]);
  const jwks = await startJwksServer([wharfedale.publicJwk]);
  const port = await freePort();
  const auditPath = join(dir, 'audit.db');
  const bff = await startBff({
    dir,
    name: 'main',
    port,
    env: { [SECRET_ENV]: SECRET },
    config: bffConfig({
      port,
      auditPath,
      jwksUri: jwks.jwksUri,
      httpIssuer: wharfedale,
      inlineIssuer: fellside,
      calderbrook: calderbrook.baseUrl,
      fellmoor: fellmoor.baseUrl,
    }),
  });
  return { dir, calderbrook, fellmoor, wharfedale, fellside, jwks, bff, auditPath };
}

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  const stops = [...extraBffs, ...(world ? [world.bff] : [])].map((b) => b.stop());
  await Promise.allSettled(stops);
  if (world) {
    await Promise.allSettled([world.calderbrook.close(), world.fellmoor.close(), world.jwks.close()]);
    rmSync(world.dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// HTTP helpers

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

// The documented JSON shapes (README "HTTP API"), as far as this test reads them.
interface ProblemJson {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
}
interface SourceRefJson {
  readonly id: string;
  readonly name: string;
}
interface SectionJson<T> {
  readonly status: string;
  readonly items: readonly T[];
  readonly sources: readonly { readonly source: SourceRefJson; readonly status: string }[];
}
interface ResultJson {
  readonly source: SourceRefJson;
  readonly name: { readonly display: string };
  readonly effective?: string;
  readonly issued?: string;
  readonly observations: readonly {
    readonly name: { readonly display: string };
    readonly value?: { readonly kind: string; readonly value?: number; readonly unit?: string };
  }[];
}
interface LetterJson {
  readonly source: SourceRefJson;
  readonly title: string;
  readonly type?: string;
  readonly specialty?: string;
}
interface FlagJson {
  readonly source?: SourceRefJson;
  readonly text: string;
  readonly severity: string;
}
interface SummaryJson {
  readonly kind: string;
  readonly patient: Record<string, unknown>;
  readonly flags: SectionJson<FlagJson>;
  readonly results: SectionJson<ResultJson> & { readonly history: readonly HistoryJson[] };
  readonly letters: SectionJson<LetterJson>;
}
interface HistoryJson {
  readonly key: string;
  readonly points: readonly { readonly value: { readonly value?: number }; readonly superseded?: boolean }[];
}
/** A row of the `audit_event` table. */
interface AuditRow {
  readonly seq: number;
  readonly action: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly user_id: string | null;
  readonly user_name: string | null;
  readonly user_role: string | null;
  readonly user_org: string | null;
  readonly user_verified: number;
  readonly issuer: string | null;
  readonly nhs_number: string | null;
  readonly sections: string | null;
  readonly sources: string | null;
}

function readAudit(path: string): AuditRow[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare('SELECT * FROM audit_event ORDER BY seq').all() as unknown as AuditRow[];
  } finally {
    db.close();
  }
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Leave as text: the assertions say what was expected.
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}

function postSession(bff: BffChild, launch: string): Promise<Answer> {
  return call(`${bff.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'standalone-e2e/1.0' },
    body: JSON.stringify({ launch }),
  });
}

function getSummary(bff: BffChild, token: string): Promise<Answer> {
  return call(`${bff.url}/api/v1/summary`, {
    headers: { Authorization: `Bearer ${token}`, 'User-Agent': 'standalone-e2e/1.0' },
  });
}

function launchFor(issuer: HostIssuer, bff: BffChild, user: HostUser, patient: SyntheticPatient, birth = true) {
  const options: LaunchOptions = {
    audience: bff.url,
    user,
    nhsNumber: patient.nhsNumber,
    ...(birth ? { birthDate: patient.birthDate } : {}),
  };
  return signLaunch(issuer, launchClaims(issuer, options));
}

function expectProblem(answer: Answer, status: number, code: string): void {
  const problem = answer.body as ProblemJson;
  expect({ status: answer.status, code: problem.code }).toEqual({ status, code });
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(problem).toMatchObject({ type: `urn:care-sidebar:problem:${code}`, status });
  expect(typeof problem.title).toBe('string');
  // Never patient data or internals in a problem.
  const text = JSON.stringify(answer.body);
  for (const p of ALL_PATIENTS) expect(text).not.toContain(p.nhsNumber);
  expect(text).not.toMatch(/127\.0\.0\.1|stack|SELECT|INSERT/i);
}

// ---------------------------------------------------------------------------------------------
// What the test did, to compare with the audit trail

interface View {
  readonly nhsNumber: string;
  readonly user: HostUser;
  readonly issuer: string;
  readonly sections: { flags: number; results: number; letters: number };
  readonly sources: { id: string; status: string }[];
}
const views: View[] = [];
const refusals: { reason: string; nhsNumber: string }[] = [];
let sessionsStarted = 0;

async function startSession(launch: string, bff: BffChild = w().bff): Promise<string> {
  const answer = await postSession(bff, launch);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  if (bff === w().bff) sessionsStarted++;
  return (answer.body as { token: string }).token;
}

async function viewSummary(
  token: string,
  user: HostUser,
  issuer: HostIssuer,
  patient: SyntheticPatient,
): Promise<SummaryJson> {
  const answer = await getSummary(w().bff, token);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.contentType).toMatch(/^application\/json/);
  const s = answer.body as SummaryJson;
  views.push({
    nhsNumber: patient.nhsNumber,
    user,
    issuer: issuer.issuer,
    sections: { flags: s.flags.items.length, results: s.results.items.length, letters: s.letters.items.length },
    sources: s.results.sources.map((o) => ({ id: o.source.id, status: o.status })),
  });
  return s;
}

// ---------------------------------------------------------------------------------------------
// Projections of the summary: what a GP would read

function results(summary: SummaryJson) {
  return summary.results.items.map((r) => ({
    source: r.source.name,
    report: r.name.display,
    observations: r.observations.map((o) => [o.name.display, o.value?.value, o.value?.unit]),
  }));
}

function letters(summary: SummaryJson) {
  return summary.letters.items.map((l) => ({
    source: l.source.name,
    title: l.title,
    type: l.type,
    specialty: l.specialty,
  }));
}

function flags(summary: SummaryJson) {
  return summary.flags.items.map((f) => ({ source: f.source?.name, text: f.text, severity: f.severity }));
}

function sourceOutcomes(section: SectionJson<unknown>) {
  return section.sources.map((o) => [o.source.name, o.status]);
}

const ALL_PATIENTS = [MARIGOLD, THADDEUS, PERPETUA];
const CALDERBROOK = HOSPITAL.calderbrook.name;
const FELLMOOR = HOSPITAL.fellmoor.name;

/** Records that must never be shown: withdrawn, superseded, out of period, another patient's, not lab. */
const NEVER_SHOWN = [
  REPORT.fbcInError,
  REPORT.cultureCancelled,
  'Specimen not received',
  LETTER.dischargeSuperseded,
  LETTER.dermatologyInError,
  LETTER.rheumatologyDraft,
  LETTER.perpetuaCardiology,
  FLAG.noroExpired,
  FLAG.mrsaInactive,
  FLAG.penicillinInError,
  'Heart rate',
  PERPETUA.family,
  PERPETUA.nhsNumber,
];

// ---------------------------------------------------------------------------------------------
// Synthetic NHS numbers

const PROJECT_NUMBER = /\b\d{10}\b/g;

function projectFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) projectFiles(path, out);
    else if (/\.(ts|js|json|md|html)$/.test(name)) out.push(path);
  }
  return out;
}

describe('the BFF started alone against independent FHIR servers and a host system', () => {
  it('uses its own synthetic NHS numbers: 999 range, valid Modulus 11, none of the project’s', () => {
    for (const p of [MARIGOLD, THADDEUS, PERPETUA]) {
      expect(p.nhsNumber).toMatch(/^999\d{7}$/);
      expect(nhsCheckDigit(p.nhsNumber.slice(0, 9)), p.nhsNumber).toBe(Number(p.nhsNumber[9]));
    }
    expect(BAD_CHECK_DIGIT_NHS_NUMBER).toMatch(/^999\d{7}$/);
    expect(nhsCheckDigit(BAD_CHECK_DIGIT_NHS_NUMBER.slice(0, 9))).not.toBe(Number(BAD_CHECK_DIGIT_NHS_NUMBER[9]));

    const used = new Set<string>();
    for (const file of [...projectFiles(join(REPO_ROOT, 'packages')), ...projectFiles(join(REPO_ROOT, 'demo'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(PROJECT_NUMBER)) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(0);
    for (const n of [...ALL_PATIENTS.map((p) => p.nhsNumber), BAD_CHECK_DIGIT_NHS_NUMBER]) {
      expect(used.has(n), n).toBe(false);
    }
  });

  it('a good RS256 launch (JWKS over HTTP) shows the patient’s results, letters and flags from both hospitals', async () => {
    const { bff, wharfedale } = w();
    const token = await startSession(await launchFor(wharfedale, bff, DR_FARROW, MARIGOLD));
    const summary = await viewSummary(token, DR_FARROW, wharfedale, MARIGOLD);

    expect(summary.kind).toBe('summary');
    expect(summary.patient).toMatchObject({
      nhsNumber: MARIGOLD.nhsNumber,
      name: { family: MARIGOLD.family, given: [MARIGOLD.given] },
      birthDate: MARIGOLD.birthDate,
    });

    // Newest first across both hospitals; units from the UCUM code when the source sends no `unit`.
    expect(results(summary)).toEqual([
      { source: FELLMOOR, report: REPORT.crp, observations: [[LAB.crp.name, LAB.crp.value, LAB.crp.ucum]] },
      {
        source: CALDERBROOK,
        report: REPORT.ue,
        observations: [
          [LAB.potassium.name, LAB.potassium.value, LAB.potassium.ucum],
          [LAB.urea.name, LAB.urea.value, LAB.urea.ucum],
        ],
      },
      {
        source: FELLMOOR,
        report: REPORT.lft,
        observations: [
          [LAB.alt.name, LAB.alt.value, LAB.alt.ucum],
          [LAB.bilirubin.name, LAB.bilirubin.value, LAB.bilirubin.ucum],
        ],
      },
      {
        source: CALDERBROOK,
        report: LAB.hba1c.name,
        observations: [[LAB.hba1c.name, LAB.hba1c.value, LAB.hba1c.ucum]],
      },
    ]);
    // The potassium first issued (then re-issued under the same accession) shows only in its history.
    const potassium = summary.results.history.find((h) => h.key === `http://loinc.org|${LAB.potassium.loinc}`);
    expect(potassium?.points.map((p) => [p.value.value, p.superseded ?? false])).toEqual([
      [LAB.potassium.value, false],
      [LAB.potassiumFirstIssue.value, true],
    ]);
    expect(
      summary.results.items.flatMap((r) => r.observations.filter((o) => o.name.display === LAB.potassium.name)),
    ).toEqual([expect.objectContaining({ historyKey: potassium?.key })]);
    const times = summary.results.items.map((r) => Date.parse(r.effective ?? r.issued ?? ''));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    expect(letters(summary)).toEqual([
      { source: FELLMOOR, title: LETTER.rheumatology, type: 'Clinical consultation report', specialty: 'Rheumatology' },
      { source: CALDERBROOK, title: LETTER.discharge, type: 'Discharge summary', specialty: undefined },
    ]);
    expect(flags(summary)).toEqual([
      { source: CALDERBROOK, text: FLAG.airway, severity: 'high' },
      { source: FELLMOOR, text: FLAG.transport, severity: 'medium' },
    ]);

    for (const section of [summary.results, summary.letters, summary.flags]) {
      expect(section.status).toBe('ok');
      expect(sourceOutcomes(section)).toEqual([
        [CALDERBROOK, 'ok'],
        [FELLMOOR, 'ok'],
      ]);
    }
    const text = JSON.stringify(summary);
    for (const hidden of NEVER_SHOWN) expect(text, hidden).not.toContain(hidden);

    // Fellmoor's answers really were paged (HAPI-style _getpages links were followed).
    expect(w().fellmoor.requests.some((r) => r.includes('_getpages='))).toBe(true);
    // Both servers follow chained searches, so the data was asked for with the Patient search, never by id.
    for (const hospital of [w().calderbrook, w().fellmoor]) {
      expect(hospital.requests.some((r) => r.includes('patient.identifier='))).toBe(true);
      expect(hospital.requests.filter((r) => /[?&]patient=/.test(r))).toEqual([]);
    }

    // A second view in the same session (served from the BFF's cache) is the same view, audited again.
    const again = await viewSummary(token, DR_FARROW, wharfedale, MARIGOLD);
    expect(results(again)).toEqual(results(summary));
  });

  it('a good ES256 launch (inline JWKS) for a patient known to one hospital only: the other says not-found', async () => {
    const { bff, fellside } = w();
    const token = await startSession(await launchFor(fellside, bff, NURSE_PEMBURY, THADDEUS, false));
    const summary = await viewSummary(token, NURSE_PEMBURY, fellside, THADDEUS);

    expect(summary.patient).toMatchObject({ nhsNumber: THADDEUS.nhsNumber, name: { family: THADDEUS.family } });
    expect(results(summary)).toEqual([
      {
        source: CALDERBROOK,
        report: REPORT.troponin,
        observations: [[LAB.troponin.name, LAB.troponin.value, LAB.troponin.ucum]],
      },
    ]);
    expect(letters(summary)).toEqual([
      { source: CALDERBROOK, title: LETTER.emergency, type: 'Report of clinical encounter', specialty: undefined },
    ]);
    expect(flags(summary)).toEqual([]);
    for (const section of [summary.results, summary.letters, summary.flags]) {
      expect(section.status).toBe('ok');
      expect(sourceOutcomes(section)).toEqual([
        [CALDERBROOK, 'ok'],
        [FELLMOOR, 'not-found'],
      ]);
    }
    const text = JSON.stringify(summary);
    expect(text).not.toContain(MARIGOLD.nhsNumber);
    expect(text).not.toContain(MARIGOLD.family);
    for (const hidden of NEVER_SHOWN) expect(text, hidden).not.toContain(hidden);
  });

  // Each bad launch is built fresh against the running BFF, from the RS256 issuer unless it says otherwise.
  const claimsFor = (options: Partial<LaunchOptions> = {}) =>
    launchClaims(w().wharfedale, { audience: w().bff.url, user: DR_FARROW, nhsNumber: MARIGOLD.nhsNumber, ...options });
  const badLaunches: { name: string; code: string; nhsNumber?: string; make: () => Promise<string> }[] = [
    {
      name: 'expired',
      code: 'launch-expired',
      make: () =>
        signLaunch(w().wharfedale, claimsFor({ issuedAt: Math.floor(Date.now() / 1000) - 400, lifetime: 300 })),
    },
    {
      name: 'for another audience',
      code: 'launch-invalid',
      make: () => signLaunch(w().wharfedale, claimsFor({ audience: 'https://care-sidebar.another-ics.example' })),
    },
    {
      name: 'with a kid not in the issuer’s JWKS',
      code: 'launch-invalid',
      make: () => signLaunch(w().wharfedale, claimsFor(), { kid: 'wharfedale-2019-retired' }),
    },
    {
      name: 'signed with the other issuer’s key (and its kid) while claiming the first issuer',
      code: 'launch-invalid',
      make: () => signLaunch(w().wharfedale, claimsFor(), { signer: w().fellside }),
    },
    {
      name: 'signed with the other issuer’s key under the first issuer’s kid',
      code: 'launch-invalid',
      make: () => signLaunch(w().wharfedale, claimsFor(), { signer: w().fellside, kid: w().wharfedale.kid }),
    },
    {
      name: 'unsigned (alg none)',
      code: 'launch-invalid',
      make: () => Promise.resolve(unsignedLaunch(w().wharfedale.kid, claimsFor())),
    },
    {
      name: 'replayed',
      code: 'launch-replayed',
      make: async () => {
        const launch = await signLaunch(w().wharfedale, claimsFor());
        await startSession(launch);
        return launch;
      },
    },
    {
      name: 'naming an NHS number with a bad check digit',
      code: 'launch-invalid-patient',
      nhsNumber: BAD_CHECK_DIGIT_NHS_NUMBER,
      make: () => signLaunch(w().wharfedale, claimsFor({ nhsNumber: BAD_CHECK_DIGIT_NHS_NUMBER })),
    },
    {
      name: 'living longer than 300 s',
      code: 'launch-lifetime-too-long',
      make: () => signLaunch(w().wharfedale, claimsFor({ lifetime: 301 })),
    },
  ];

  it.each(badLaunches)('refuses a launch $name with 401 $code', async ({ code, nhsNumber, make }) => {
    const answer = await postSession(w().bff, await make());
    refusals.push({ reason: code, nhsNumber: nhsNumber ?? MARIGOLD.nhsNumber });
    expectProblem(answer, 401, code);
  });

  it('records every view and every refusal in the audit store, with the right patient and user', () => {
    const rows = readAudit(w().auditPath);

    const summaryRows = rows.filter((r) => r.action === 'summary-view');
    expect(views.length).toBe(3);
    expect(
      summaryRows.map((r) => ({
        outcome: r.outcome,
        nhsNumber: r.nhs_number,
        user: { sub: r.user_id, name: r.user_name, role: r.user_role, org: r.user_org },
        issuer: r.issuer,
        verified: r.user_verified,
        sections: JSON.parse(r.sections ?? 'null') as unknown,
        sources: JSON.parse(r.sources ?? 'null') as unknown,
      })),
    ).toEqual(
      views.map((v) => ({
        outcome: 'shown',
        nhsNumber: v.nhsNumber,
        user: v.user,
        issuer: v.issuer,
        verified: 1,
        sections: v.sections,
        sources: v.sources,
      })),
    );

    const refusedRows = rows.filter((r) => r.action === 'launch-refused');
    expect(refusals.length).toBe(badLaunches.length);
    expect(refusedRows.map((r) => ({ outcome: r.outcome, reason: r.reason, nhsNumber: r.nhs_number }))).toEqual(
      refusals.map((r) => ({ outcome: 'refused', ...r })),
    );

    expect(rows.filter((r) => r.action === 'session-start')).toHaveLength(sessionsStarted);
    expect(rows).toHaveLength(summaryRows.length + refusedRows.length + sessionsStarted);
  });

  it('writes JSON logs that hold no NHS number, patient name, result value or record title', () => {
    expectCleanLogs(w().bff.stdout());
  });

  it('fails closed with 503 launch-verification-unavailable when the JWKS is down and the keys are not cached', async () => {
    const { wharfedale, fellside, jwks, dir, calderbrook, fellmoor } = w();
    expect(jwks.fetches()).toBeGreaterThan(0);
    await jwks.close();

    // A BFF that fetched the keys before keeps using them (README: for up to 10 minutes).
    await startSession(await launchFor(wharfedale, w().bff, DR_FARROW, THADDEUS));

    const port = await freePort();
    const auditPath = join(dir, 'audit-fresh.db');
    const fresh = await startBff({
      dir,
      name: 'fresh',
      port,
      env: { [SECRET_ENV]: SECRET },
      config: bffConfig({
        port,
        auditPath,
        jwksUri: jwks.jwksUri,
        httpIssuer: wharfedale,
        inlineIssuer: fellside,
        calderbrook: calderbrook.baseUrl,
        fellmoor: fellmoor.baseUrl,
      }),
    });
    extraBffs.push(fresh);

    const refused = await postSession(fresh, await launchFor(wharfedale, fresh, DR_FARROW, MARIGOLD));
    expectProblem(refused, 503, 'launch-verification-unavailable');
    // An issuer with inline keys is unaffected.
    const inline = await postSession(fresh, await launchFor(fellside, fresh, NURSE_PEMBURY, THADDEUS));
    expect(inline.status, JSON.stringify(inline.body)).toBe(201);

    expect(await fresh.stop()).toBe(0);
    const rows = readAudit(auditPath).map((r) => ({
      action: r.action,
      outcome: r.outcome,
      reason: r.reason,
      nhsNumber: r.nhs_number,
    }));
    expect(rows).toEqual([
      {
        action: 'launch-refused',
        outcome: 'refused',
        reason: 'launch-verification-unavailable',
        nhsNumber: MARIGOLD.nhsNumber,
      },
      { action: 'session-start', outcome: 'started', reason: null, nhsNumber: THADDEUS.nhsNumber },
    ]);
    expectCleanLogs(fresh.stdout());
  });
});

// ---------------------------------------------------------------------------------------------
// Logs

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function expectCleanLogs(stdout: string): void {
  const lines = stdout.trim().split('\n');
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries.some((e) => e['msg'] === 'listening')).toBe(true);
  expect(entries.some((e) => e['msg'] === 'request')).toBe(true);

  const numbers = [...ALL_PATIENTS.map((p) => p.nhsNumber), BAD_CHECK_DIGIT_NHS_NUMBER];
  const forbiddenText = [
    ...numbers,
    ...numbers.map((n) => `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`),
    ...ALL_PATIENTS.flatMap((p) => [p.given, p.family, p.birthDate]),
    ...Object.values(LETTER),
    ...Object.values(FLAG),
  ];
  for (const text of forbiddenText) expect(stdout.toLowerCase(), text).not.toContain(text.toLowerCase());
  // Values as numbers, not inside longer numbers (timestamps, latencies).
  for (const { value } of Object.values(LAB)) {
    expect(stdout, String(value)).not.toMatch(new RegExp(`(?<![\\d.])${escapeRegExp(String(value))}(?!\\d)`));
  }
}
