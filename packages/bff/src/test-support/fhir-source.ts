import type { Bundle, Resource } from '@medplum/fhirtypes';
import { http, HttpResponse } from 'msw';

/**
 * A small upstream FHIR server for BFF tests, deliberately shaped unlike the demo's: absolute
 * references, no _include support, one resource per page, so the BFF is not fitted to one server.
 */
export interface FakeSourceOptions {
  readonly baseUrl: string;
  readonly resources: readonly Resource[];
  /** Calls seen, by resource type, for cache and fan-out assertions. */
  readonly calls?: string[];
  readonly pageSize?: number;
  readonly supportsInclude?: boolean;
}

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

function matches(resource: Resource, params: URLSearchParams): boolean {
  const identifier = params.get('identifier');
  if (identifier) {
    const [system, value] = identifier.split('|');
    const ids = (resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [];
    if (!ids.some((i) => i.system === system && i.value === value)) return false;
  }
  const patient = params.get('patient');
  if (patient) {
    const ref = (resource as { subject?: { reference?: string } }).subject?.reference ?? '';
    if (!ref.endsWith(`Patient/${patient}`)) return false;
  }
  const ids = params.get('_id');
  if (ids && !ids.split(',').includes(resource.id ?? '')) return false;
  return true;
}

export function fakeFhirSource(options: FakeSourceOptions) {
  const pageSize = options.pageSize ?? 1000;
  return http.get(`${options.baseUrl}/:type`, ({ request, params }) => {
    const url = new URL(request.url);
    const type = String(params['type']);
    options.calls?.push(type);
    const found = options.resources.filter((r) => r.resourceType === type && matches(r, url.searchParams));
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
