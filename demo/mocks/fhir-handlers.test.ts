import type {
  Bundle,
  DiagnosticReport,
  Identifier,
  Observation,
  OperationOutcome,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gpPatients } from './data/gp-patients.ts';
import { demoSourceResources, demoSources, demoUpstreamHandlers, fhirSourceHandlers } from './fhir-handlers.ts';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const A = 'https://fhir.hospital-a.example/R4';
const B = 'https://fhir.hospital-b.example/R4';

let bFailing = false;
const server = setupServer(
  ...demoUpstreamHandlers({
    'hospital-a': { latencyMs: 0 },
    'hospital-b': { latencyMs: 0, failing: () => bFailing },
  }),
);

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  bFailing = false;
  server.resetHandlers();
});
afterAll(() => server.close());

async function getBundle(url: string): Promise<Bundle> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/fhir\+json/);
  const bundle = (await res.json()) as Bundle;
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.type).toBe('searchset');
  return bundle;
}

async function findPatient(base: string, nhsNumber: string): Promise<Patient> {
  const bundle = await getBundle(`${base}/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}`);
  const patient = bundle.entry?.[0]?.resource;
  if (patient?.resourceType !== 'Patient') throw new Error(`no patient ${nhsNumber} at ${base}`);
  return patient;
}

// NHS number Modulus 11: check digit = 11 − (Σ digit_i × (10 − i) mod 11); 11 becomes 0, 10 is invalid.
function passesModulus11(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(value[9]);
}

/** Every identifier anywhere in a resource (including nested ones) with the NHS number system. */
function nhsIdentifiers(value: unknown): Identifier[] {
  if (Array.isArray(value)) return value.flatMap(nhsIdentifiers);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const own = record['system'] === NHS && typeof record['value'] === 'string' ? [record as Identifier] : [];
  return [...own, ...Object.values(record).flatMap(nhsIdentifiers)];
}

describe('synthetic data', () => {
  const allResources: Resource[] = Object.values(demoSourceResources).flat();

  it('uses only 999-range NHS numbers with a valid Modulus 11 check digit', () => {
    const numbers = [
      ...allResources.flatMap(nhsIdentifiers).map((i) => i.value ?? ''),
      ...gpPatients.map((p) => p.nhsNumber),
    ];
    expect(numbers.length).toBeGreaterThanOrEqual(gpPatients.length + 7);
    for (const n of numbers) {
      expect(n, n).toMatch(/^999\d{7}$/);
      expect(passesModulus11(n), n).toBe(true);
    }
    // The check itself can fail: a wrong check digit and the "10" case are refused.
    expect(passesModulus11('9993456781')).toBe(false);
    expect(passesModulus11('9991234560')).toBe(false);
  });

  it('has at least six GP patients, one unknown to every source, and one known to both', () => {
    expect(gpPatients.length).toBeGreaterThanOrEqual(6);
    const known = (source: readonly Resource[]) =>
      new Set(
        source
          .filter((r): r is Patient => r.resourceType === 'Patient')
          .flatMap(nhsIdentifiers)
          .map((i) => i.value),
      );
    const inA = known(demoSourceResources['hospital-a']);
    const inB = known(demoSourceResources['hospital-b']);
    expect(gpPatients.filter((p) => !inA.has(p.nhsNumber) && !inB.has(p.nhsNumber))).toHaveLength(1);
    expect(gpPatients.filter((p) => inA.has(p.nhsNumber) && inB.has(p.nhsNumber)).length).toBeGreaterThanOrEqual(1);
    // Every patient a hospital knows is on the GP list, with the same date of birth.
    for (const r of allResources.filter((x): x is Patient => x.resourceType === 'Patient')) {
      const nhs = nhsIdentifiers(r)[0]?.value;
      expect(gpPatients.find((p) => p.nhsNumber === nhs)?.birthDate, nhs).toBe(r.birthDate);
    }
  });

  it('covers the clinical cases the widget must handle', () => {
    const obs = allResources.filter((r): r is Observation => r.resourceType === 'Observation');
    const codes = new Set(
      obs
        .flatMap((o) => o.interpretation ?? [])
        .flatMap((c) => c.coding ?? [])
        .map((c) => c.code),
    );
    for (const code of ['H', 'L', 'HH', 'N']) expect(codes).toContain(code);
    expect(obs.some((o) => !o.interpretation && o.referenceRange?.length)).toBe(true);
    expect(obs.some((o) => o.status === 'entered-in-error')).toBe(true);
    expect(obs.some((o) => o.valueString)).toBe(true);
    expect(obs.some((o) => o.valueCodeableConcept)).toBe(true);
    const reports = allResources.filter((r): r is DiagnosticReport => r.resourceType === 'DiagnosticReport');
    expect(reports.map((r) => r.status)).toEqual(expect.arrayContaining(['final', 'amended', 'preliminary']));
    const docs = allResources.filter((r) => r.resourceType === 'DocumentReference');
    expect(docs.map((d) => d.status)).toEqual(expect.arrayContaining(['current', 'superseded']));
    expect(docs.map((d) => d.type?.coding?.[0]?.code)).toEqual(expect.arrayContaining(['373942005', '371531000']));
    const flags = allResources.filter((r) => r.resourceType === 'Flag');
    expect(flags.map((f) => f.status)).toEqual(expect.arrayContaining(['active', 'inactive']));
    // Every result reference resolves within the same source.
    for (const [id, source] of Object.entries(demoSourceResources)) {
      const ids = new Set(source.map((r) => `${r.resourceType}/${r.id ?? ''}`));
      for (const r of source) {
        if (r.resourceType === 'DiagnosticReport')
          for (const ref of r.result ?? []) expect(ids.has(ref.reference ?? ''), `${id} ${ref.reference}`).toBe(true);
      }
    }
  });
});

describe('fhirSourceHandlers (demo sources)', () => {
  it('names both sources', () => {
    expect(demoSources.map((s) => s.id)).toEqual(['hospital-a', 'hospital-b']);
  });

  it('finds exactly one patient by NHS number identifier, with or without the system', async () => {
    const withSystem = await getBundle(`${A}/Patient?identifier=${encodeURIComponent(`${NHS}|9993456780`)}`);
    expect(withSystem.total).toBe(1);
    expect(withSystem.entry).toHaveLength(1);
    const entry = withSystem.entry?.[0];
    expect(entry?.search?.mode).toBe('match');
    expect(entry?.fullUrl).toBe(`${A}/Patient/${entry?.resource?.id ?? ''}`);
    const withoutSystem = await getBundle(`${A}/Patient?identifier=9993456780`);
    expect(withoutSystem.total).toBe(1);
    expect(withoutSystem.entry?.[0]?.resource?.id).toBe(entry?.resource?.id);
  });

  it('finds no one for the patient unknown to the hospitals', async () => {
    const unknown = gpPatients.find((p) => p.family === 'Winterbottom');
    expect(unknown).toBeDefined();
    for (const base of [A, B]) {
      const bundle = await getBundle(
        `${base}/Patient?identifier=${encodeURIComponent(`${NHS}|${unknown?.nhsNumber ?? ''}`)}`,
      );
      expect(bundle.total).toBe(0);
      expect(bundle.entry ?? []).toHaveLength(0);
    }
  });

  it('gives different data for the patient known to both sources', async () => {
    const a = await findPatient(A, '9994567896');
    const b = await findPatient(B, '9994567896');
    expect(a.id).not.toBe(b.id);
    const reportsA = await getBundle(`${A}/DiagnosticReport?patient=${a.id ?? ''}`);
    const reportsB = await getBundle(`${B}/DiagnosticReport?subject=Patient/${b.id ?? ''}`);
    expect(reportsA.total).toBeGreaterThan(0);
    expect(reportsB.total).toBeGreaterThan(0);
    const texts = (bundle: Bundle) => new Set(bundle.entry?.map((e) => (e.resource as DiagnosticReport).code.text));
    expect(texts(reportsA)).not.toEqual(texts(reportsB));
  });

  it('returns the reports’ observations with _include=DiagnosticReport:result', async () => {
    const patient = await findPatient(A, '9993456780');
    const bundle = await getBundle(
      `${A}/DiagnosticReport?patient=${patient.id ?? ''}&_include=DiagnosticReport:result`,
    );
    const matches = bundle.entry?.filter((e) => e.search?.mode === 'match') ?? [];
    const included = bundle.entry?.filter((e) => e.search?.mode === 'include') ?? [];
    expect(matches.length).toBe(bundle.total);
    expect(matches.every((e) => e.resource?.resourceType === 'DiagnosticReport')).toBe(true);
    const wanted = matches.flatMap((e) => (e.resource as DiagnosticReport).result ?? []).map((r) => r.reference);
    expect(included.map((e) => `Observation/${e.resource?.id ?? ''}`).sort()).toEqual([...new Set(wanted)].sort());
    expect(
      included.every((e) => e.resource?.resourceType === 'Observation' && e.fullUrl?.startsWith(`${A}/Observation/`)),
    ).toBe(true);
  });

  it('pages with _count and a next link on the same base, until every result has been seen', async () => {
    const patient = await findPatient(B, '9990000026');
    let url: string | undefined = `${B}/Observation?patient=${patient.id ?? ''}&_count=20`;
    const ids: string[] = [];
    let pages = 0;
    let total: number | undefined;
    while (url) {
      expect(url.startsWith(`${B}/Observation?`)).toBe(true);
      const bundle = await getBundle(url);
      total = bundle.total;
      pages++;
      for (const e of bundle.entry ?? []) ids.push(e.resource?.id ?? '');
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(pages).toBe(3);
    expect(ids).toHaveLength(total ?? -1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('pages at 50 by default when the client sends no _count', async () => {
    const patient = await findPatient(B, '9990000026');
    const first = await getBundle(`${B}/Observation?patient=${patient.id ?? ''}`);
    expect(first.total).toBeGreaterThan(50);
    expect(first.entry).toHaveLength(50);
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    const second = await getBundle(next ?? '');
    expect(second.entry).toHaveLength((first.total ?? 0) - 50);
    expect(second.link?.some((l) => l.relation === 'next')).toBe(false);
  });

  it('filters DocumentReference by status and returns inactive flags to a client that does not filter', async () => {
    const patient = await findPatient(B, '9994567896');
    const all = await getBundle(`${B}/DocumentReference?patient=${patient.id ?? ''}`);
    const current = await getBundle(`${B}/DocumentReference?patient=${patient.id ?? ''}&status=current`);
    expect(all.total).toBe(2);
    expect(current.total).toBe(1);
    const hartley = await findPatient(A, '9993456780');
    // R4 Flag has no status search parameter: a real server ignores it, so must the mock.
    const flags = await getBundle(`${A}/Flag?patient=${hartley.id ?? ''}&status=active`);
    expect(flags.entry?.map((e) => e.resource?.resourceType === 'Flag' && e.resource.status).sort()).toEqual([
      'active',
      'inactive',
    ]);
  });

  it('reads by id, answers _id searches, and 404s unknown ids and types with an OperationOutcome', async () => {
    const patient = await findPatient(A, '9993456780');
    const read = await fetch(`${A}/Patient/${patient.id ?? ''}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as Patient).id).toBe(patient.id);
    const byIds = await getBundle(`${A}/Observation?_id=obs-5101-1,obs-5101-3,does-not-exist`);
    expect(byIds.total).toBe(2);
    for (const url of [`${A}/Patient/does-not-exist`, `${A}/Medication?code=1`, `${A}/Medication/1`]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get('Content-Type')).toMatch(/^application\/fhir\+json/);
      expect(((await res.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
  });

  it('ignores unknown search parameters, unless the client asks for strict handling', async () => {
    const lenient = await getBundle(`${A}/Patient?identifier=9993456780&_foo=bar&colour=blue`);
    expect(lenient.total).toBe(1);
    expect(lenient.link?.find((l) => l.relation === 'self')?.url).not.toContain('colour');
    const strict = await fetch(`${A}/Patient?identifier=9993456780&colour=blue`, {
      headers: { Prefer: 'handling=strict' },
    });
    expect(strict.status).toBe(400);
  });

  it('answers 503 with an OperationOutcome while a source is failing, and only that source', async () => {
    bFailing = true;
    const res = await fetch(`${B}/Patient?identifier=9994567896`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as OperationOutcome).issue[0]?.code).toBe('transient');
    expect((await getBundle(`${A}/Patient?identifier=9994567896`)).total).toBe(1);
  });
});

describe('fhirSourceHandlers options', () => {
  it('delays responses by latencyMs', async () => {
    server.use(...fhirSourceHandlers('https://slow.example/R4', [], { latencyMs: 120 }));
    const started = performance.now();
    const bundle = await getBundle('https://slow.example/R4/Patient?identifier=9990000018');
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(bundle.total).toBe(0);
  });

  it('refuses unauthorised requests when authorize says no', async () => {
    server.use(
      ...fhirSourceHandlers('https://secure.example/R4', [], {
        latencyMs: 0,
        authorize: (req) => req.headers.get('Authorization') === 'Bearer ok',
      }),
    );
    expect((await fetch('https://secure.example/R4/Patient')).status).toBe(401);
    expect((await fetch('https://secure.example/R4/Patient', { headers: { Authorization: 'Bearer ok' } })).status).toBe(
      200,
    );
  });
});
