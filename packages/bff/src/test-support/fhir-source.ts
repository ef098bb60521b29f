import type { Bundle, Resource } from '@medplum/fhirtypes';
import { http, HttpResponse } from 'msw';

/** One call the source answered, for round counting (times from performance.now). */
export interface SourceCall {
  readonly type: string;
  readonly params: URLSearchParams;
  readonly arrivedMs: number;
  answeredMs: number;
}

/**
 * A small upstream FHIR server for BFF tests, deliberately shaped unlike the demo's: absolute
 * references, no _include support, one resource per page, so the BFF is not fitted to one server.
 */
export interface FakeSourceOptions {
  readonly baseUrl: string;
  readonly resources: readonly Resource[];
  /** Calls seen, by resource type, for cache and fan-out assertions. */
  readonly calls?: string[];
  /** Calls seen with their parameters and times. */
  readonly log?: SourceCall[];
  readonly pageSize?: number;
  readonly supportsInclude?: boolean;
  /**
   * Chained parameters on the patient (`patient.identifier=system|value`): matched as FHIR R4
   * defines them (default); ignored like any unknown parameter, so every patient's resources come
   * back (the lenient server); or refused with 400 (the strict one).
   */
  readonly chainedParameters?: 'supported' | 'ignored' | 'refused';
  /** Wait before answering, by resource type. */
  readonly delayMs?: Readonly<Record<string, number>>;
  /**
   * Resource types the server does not have, each answered with this status and an
   * OperationOutcome to any search, chained or not (HAPI FHIR answers 404 "Unknown resource type";
   * some servers 400).
   */
  readonly notOffered?: Readonly<Record<string, 400 | 404>>;
}

/** https://hl7.org/fhir/R4/search.html#chaining, on the patient reference, by identifier only. */
const CHAINED_ON_PATIENT = /^(?:patient|subject(?::Patient)?)\.identifier$/;

function bundle(resources: readonly Resource[], baseUrl: string, next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** The patient a resource is about: `subject`, or `patient` on a Consent. */
function patientReference(resource: Resource): string {
  const r = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  return r.subject?.reference ?? r.patient?.reference ?? '';
}

function hasIdentifier(resource: Resource, token: string): boolean {
  const [system, value] = token.split('|');
  const ids = (resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [];
  return ids.some((i) => i.system === system && i.value === value);
}

function matches(
  resource: Resource,
  params: URLSearchParams,
  all: readonly Resource[],
  chained: FakeSourceOptions['chainedParameters'],
): boolean {
  const identifier = params.get('identifier');
  if (identifier && !hasIdentifier(resource, identifier)) return false;
  const patient = params.get('patient');
  if (patient && !patientReference(resource).endsWith(`Patient/${patient}`)) return false;
  if (chained === 'supported') {
    for (const [name, token] of params) {
      if (!CHAINED_ON_PATIENT.test(name)) continue;
      const ref = patientReference(resource);
      const target = all.find((r) => r.resourceType === 'Patient' && ref.endsWith(`Patient/${r.id ?? ''}`));
      if (!target || !hasIdentifier(target, token)) return false;
    }
  }
  const ids = params.get('_id');
  if (ids && !ids.split(',').includes(resource.id ?? '')) return false;
  return true;
}

export function fakeFhirSource(options: FakeSourceOptions) {
  const pageSize = options.pageSize ?? 1000;
  const chained = options.chainedParameters ?? 'supported';
  return http.get(`${options.baseUrl}/:type`, async ({ request, params }) => {
    const url = new URL(request.url);
    const type = String(params['type']);
    options.calls?.push(type);
    const call: SourceCall = { type, params: url.searchParams, arrivedMs: performance.now(), answeredMs: NaN };
    options.log?.push(call);
    const delay = options.delayMs?.[type];
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    call.answeredMs = performance.now();
    const notOffered = options.notOffered?.[type];
    if (notOffered) {
      return HttpResponse.json(
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'not-supported', diagnostics: `Unknown resource type '${type}'` }],
        },
        { status: notOffered, headers: { 'Content-Type': 'application/fhir+json' } },
      );
    }
    if (chained === 'refused' && [...url.searchParams.keys()].some((name) => CHAINED_ON_PATIENT.test(name))) {
      return HttpResponse.json(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] },
        { status: 400, headers: { 'Content-Type': 'application/fhir+json' } },
      );
    }
    const found = options.resources.filter(
      (r) => r.resourceType === type && matches(r, url.searchParams, options.resources, chained),
    );
    const offset = Number(url.searchParams.get('_offset') ?? 0);
    const page = found.slice(offset, offset + pageSize);
    if (options.supportsInclude && url.searchParams.get('_include') === 'DiagnosticReport:result') {
      const refs = new Set(
        page.flatMap((r) =>
          ((r as { result?: { reference?: string }[] }).result ?? []).map((x) => x.reference?.split('/').pop()),
        ),
      );
      page.push(...options.resources.filter((r) => r.resourceType === 'Observation' && refs.has(r.id)));
    }
    let next: string | undefined;
    if (offset + pageSize < found.length) {
      const nextUrl = new URL(url);
      nextUrl.searchParams.set('_offset', String(offset + pageSize));
      next = nextUrl.href;
    }
    return HttpResponse.json(bundle(page, options.baseUrl, next), {
      headers: { 'Content-Type': 'application/fhir+json' },
    });
  });
}
