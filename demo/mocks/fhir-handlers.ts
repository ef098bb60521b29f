/**
 * msw handlers that make a set of resources look like an upstream FHIR R4 server
 * (read, search with GET or POST _search, paging, _include, OperationOutcome errors,
 * `application/fhir+json`), plus the two synthetic hospital sources of the demo.
 * https://hl7.org/fhir/R4/http.html
 */
import type { CapabilityStatement, CapabilityStatementRestResource, Resource } from '@medplum/fhirtypes';
import { HttpResponse, delay, http, type HttpHandler } from 'msw';
import { HOSPITAL_A, hospitalAResources } from './data/hospital-a.ts';
import { HOSPITAL_B, hospitalBResources } from './data/hospital-b.ts';
import { DEFAULT_PAGE_SIZE, FhirError, FhirStore, operationOutcome } from './fhir-store.ts';
import type { SourceFaults } from './source-faults.ts';

export { FhirStore, FhirError, operationOutcome } from './fhir-store.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export interface FhirSourceOptions {
  /**
   * Response delay. Default: 40–150 ms, fixed for a given request URL (a hash of it),
   * so runs are repeatable. Use 0 in tests.
   */
  readonly latencyMs?: number | ((url: URL) => number);
  /** Checked on every request; when it returns true the source answers 503 (OperationOutcome, code transient). */
  readonly failing?: () => boolean;
  /** Checked on every request; when it returns false the source answers 401 (e.g. to require a Bearer token). */
  readonly authorize?: (request: Request) => boolean;
  /** Page size when the client sends no `_count`. Default 50. */
  readonly defaultCount?: number;
  /** Called for every request that reaches this source (after `failing`/`authorize`), e.g. to count calls. */
  readonly onRequest?: (request: Request) => void;
}

function fhirResponse(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse<string> {
  return new HttpResponse(JSON.stringify(body), { status, headers: { 'Content-Type': FHIR_JSON, ...headers } });
}

function errorResponse(err: unknown): HttpResponse<string> {
  if (err instanceof FhirError) return fhirResponse(err.outcome, err.status);
  return fhirResponse(operationOutcome('exception', 'Internal server error'), 500);
}

/** A deterministic 40–150 ms from the URL (FNV-1a), so latency varies by request but not by run. */
function defaultLatencyMs(url: URL): number {
  let h = 0x811c9dc5;
  const s = url.pathname + url.search;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return 40 + (h % 111);
}

function isStrict(request: Request): boolean {
  return /(^|[\s,;])handling\s*=\s*strict/i.test(request.headers.get('Prefer') ?? '');
}

function capabilityStatement(store: FhirStore): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    software: { name: 'care-sidebar demo mock FHIR server (synthetic data)' },
    implementation: { description: 'Synthetic demonstration data only', url: store.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        resource: store.types.map((type) => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: [{ code: 'read' }, { code: 'search-type' }],
        })),
      },
    ],
  };
}

/**
 * msw handlers answering FHIR R4 reads and searches for `resources` at `baseUrl`.
 *
 * - `GET {base}/metadata`
 * - `GET {base}/{type}/{id}` (and `/_history/{vid}`)
 * - `GET {base}/{type}?…` and `POST {base}/{type}/_search` (form body): searchset Bundle
 * - anything else under the base: 404 / 405 OperationOutcome
 */
export function fhirSourceHandlers(
  baseUrl: string,
  resources: readonly Resource[],
  options: FhirSourceOptions = {},
): HttpHandler[] {
  const store = new FhirStore(baseUrl, resources);
  const base = store.baseUrl;
  const defaultCount = options.defaultCount ?? DEFAULT_PAGE_SIZE;

  /** Shared prologue: latency, failure injection, authorisation. Returns a response to send instead, if any. */
  async function gate(request: Request): Promise<HttpResponse<string> | undefined> {
    const url = new URL(request.url);
    const latency =
      typeof options.latencyMs === 'function' ? options.latencyMs(url) : (options.latencyMs ?? defaultLatencyMs(url));
    if (latency > 0) await delay(latency);
    if (options.failing?.()) return fhirResponse(operationOutcome('transient', 'Service temporarily unavailable'), 503);
    if (options.authorize && !options.authorize(request)) {
      return fhirResponse(operationOutcome('login', 'Authentication required'), 401, { 'WWW-Authenticate': 'Bearer' });
    }
    options.onRequest?.(request);
    return undefined;
  }

  function searchResponse(request: Request, type: string, params: URLSearchParams): HttpResponse<string> {
    try {
      return fhirResponse(store.search(type, params, { strict: isStrict(request), defaultCount }));
    } catch (err) {
      return errorResponse(err);
    }
  }

  function readResponse(type: string, id: string, versionId?: string): HttpResponse<string> {
    try {
      const resource = store.read(type, id);
      const current = resource.meta?.versionId ?? '1';
      if (versionId !== undefined && versionId !== current) {
        return fhirResponse(operationOutcome('not-found', `${type}/${id}/_history/${versionId} is not known`), 404);
      }
      const lastUpdated = resource.meta?.lastUpdated;
      return fhirResponse(resource, 200, {
        ETag: `W/"${current}"`,
        ...(lastUpdated ? { 'Last-Modified': new Date(lastUpdated).toUTCString() } : {}),
      });
    } catch (err) {
      return errorResponse(err);
    }
  }

  return [
    http.get(
      `${base}/metadata`,
      async ({ request }) => (await gate(request)) ?? fhirResponse(capabilityStatement(store)),
    ),

    http.get<{ type: string }>(`${base}/:type`, async ({ request, params }) => {
      const blocked = await gate(request);
      if (blocked) return blocked;
      return searchResponse(request, params.type, new URL(request.url).searchParams);
    }),

    http.post<{ type: string }>(`${base}/:type/_search`, async ({ request, params }) => {
      const blocked = await gate(request);
      if (blocked) return blocked;
      const query = new URL(request.url).searchParams;
      const contentType = request.headers.get('Content-Type') ?? '';
      if (!contentType.startsWith('application/x-www-form-urlencoded')) {
        return fhirResponse(
          operationOutcome('invalid', 'POST _search needs an application/x-www-form-urlencoded body'),
          400,
        );
      }
      const form = new URLSearchParams(await request.text());
      for (const [key, value] of form) query.append(key, value);
      return searchResponse(request, params.type, query);
    }),

    http.get<{ type: string; id: string }>(`${base}/:type/:id`, async ({ request, params }) => {
      return (await gate(request)) ?? readResponse(params.type, params.id);
    }),

    http.get<{ type: string; id: string; vid: string }>(
      `${base}/:type/:id/_history/:vid`,
      async ({ request, params }) => {
        return (await gate(request)) ?? readResponse(params.type, params.id, params.vid);
      },
    ),

    // A read-only server: everything else is refused the way a FHIR server refuses it.
    http.all(`${base}/*`, async ({ request }) => {
      const blocked = await gate(request);
      if (blocked) return blocked;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return fhirResponse(
          operationOutcome('not-supported', `${request.method} is not supported by this read-only server`),
          405,
          {
            Allow: 'GET, POST',
          },
        );
      }
      return fhirResponse(operationOutcome('not-found', 'Unknown resource or operation'), 404);
    }),
  ];
}

// ------------------------------------------------------------ the demo's two hospital sources

export type DemoSourceId = 'hospital-a' | 'hospital-b';

export interface DemoSource {
  readonly id: DemoSourceId;
  readonly name: string;
  readonly fhirBaseUrl: string;
}

/** The synthetic upstream sources, in the order the BFF config should list them. */
export const demoSources: readonly DemoSource[] = [HOSPITAL_A, HOSPITAL_B];

/** Every resource each demo source holds. */
export const demoSourceResources: Readonly<Record<DemoSourceId, readonly Resource[]>> = {
  'hospital-a': hospitalAResources,
  'hospital-b': hospitalBResources,
};

export interface DemoUpstreamOptions {
  /**
   * The demo's switchable fault modes (normal, slow, flaky, down, hang), consulted on every
   * request to a source before its mock answers. Without it, every source is `normal`.
   */
  readonly faults?: SourceFaults;
}

/**
 * An msw handler that puts a source's fault mode in front of its other handlers: it answers
 * 503 (OperationOutcome, code transient) when the mode says so, and otherwise returns nothing,
 * so msw goes on to the source's own handlers.
 */
export function sourceFaultHandler(baseUrl: string, sourceId: string, faults: SourceFaults): HttpHandler {
  const base = baseUrl.replace(/\/+$/, '');
  return http.all(`${base}/*`, async ({ request }) => {
    const outcome = await faults.apply(sourceId, request.signal);
    if (outcome === 'answer') return undefined;
    return fhirResponse(operationOutcome('transient', 'Service temporarily unavailable (demo fault)'), 503);
  });
}

/**
 * msw handlers for both synthetic hospitals; options per source (e.g. `{ 'hospital-b': { failing: () => true } }`),
 * and optionally the demo's fault modes (`{ faults }`).
 */
export function demoUpstreamHandlers(
  options: Partial<Record<DemoSourceId, FhirSourceOptions>> = {},
  { faults }: DemoUpstreamOptions = {},
): HttpHandler[] {
  return demoSources.flatMap((source) => [
    ...(faults ? [sourceFaultHandler(source.fhirBaseUrl, source.id, faults)] : []),
    ...fhirSourceHandlers(source.fhirBaseUrl, demoSourceResources[source.id], options[source.id]),
  ]);
}
