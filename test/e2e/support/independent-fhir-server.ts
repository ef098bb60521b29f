/**
 * A small, independent FHIR R4 server for end-to-end tests, written from the FHIR R4 search spec
 * (https://hl7.org/fhir/R4/search.html) and shaped like HAPI FHIR: `application/fhir+json`,
 * searchset Bundles with absolute `fullUrl`s and `total`, and paging through
 * `<base>?_getpages=<id>&_getpagesoffset=<n>&_count=<n>` links. It shares no code with the project.
 *
 * Supported: read (`GET /<Type>/<id>`), search (`GET /<Type>?…`) with `_id`, `identifier`,
 * `patient`, `subject`, `category`, `status`, `_count` and `_include=<Type>:<reference element>`;
 * chained on `patient` or `subject` (`patient.identifier=<system>|<value>`,
 * `subject:Patient.identifier=…`, https://hl7.org/fhir/R4/search.html#chaining) to any of those
 * parameters of the resource referenced; `GET /metadata`. Other parameters (`_sort`, `_summary`,
 * `_format`, other chains, …) are ignored, as a lenient server does.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Bundle, BundleEntry, BundleLink, CodeableConcept, Reference, Resource } from '@medplum/fhirtypes';

const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const BASE_PATH = '/fhir';
/** Searches kept for paging; the oldest are forgotten first (their links then answer 410). */
const MAX_STORED_SEARCHES = 200;

export interface FhirServerOptions {
  /** The server's resources, built once its base URL is known (so references can be absolute). */
  readonly resources: (baseUrl: string) => readonly Resource[];
  /** Page size when the client sends no `_count`. */
  readonly defaultPageSize?: number;
  /** Largest page served, whatever `_count` asks for (HAPI's `maximumPageSize`). */
  readonly maxPageSize?: number;
}

export interface RunningFhirServer {
  /** e.g. `http://127.0.0.1:41234/fhir` (no trailing slash). */
  readonly baseUrl: string;
  /** Every request's path and query, in arrival order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

interface StoredSearch {
  readonly matches: readonly Resource[];
  readonly includes: readonly string[];
  readonly pageSize: number;
}

type Params = URLSearchParams;

/** `Type/id`, `Type/id/_history/v` or an absolute URL ending so: the type and id it points at. */
function parseReference(reference: string | undefined): { type: string; id: string } | undefined {
  if (!reference) return undefined;
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match ? { type: match[1] as string, id: match[2] as string } : undefined;
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** A token search value `[system]|code` or `code` against codings or identifiers. */
function tokenMatches(value: string, candidates: readonly { system?: string; code?: string }[]): boolean {
  const bar = value.indexOf('|');
  const system = bar === -1 ? undefined : value.slice(0, bar);
  const code = bar === -1 ? value : value.slice(bar + 1);
  return candidates.some(
    (c) => c.code === code && (system === undefined || (system === '' ? c.system === undefined : c.system === system)),
  );
}

function codings(concepts: readonly CodeableConcept[]): { system?: string; code?: string }[] {
  return concepts.flatMap((c) =>
    (c.coding ?? []).map((x) => ({
      ...(x.system !== undefined ? { system: x.system } : {}),
      ...(x.code !== undefined ? { code: x.code } : {}),
    })),
  );
}

function field(resource: Resource, name: string): unknown {
  return (resource as unknown as Record<string, unknown>)[name];
}

/** The reference search value (`id`, `Type/id` or absolute URL) as a type and id. */
function referenceTarget(value: string, defaultType: string): { type: string; id: string } | undefined {
  return parseReference(value) ?? (/^[A-Za-z0-9\-.]{1,64}$/.test(value) ? { type: defaultType, id: value } : undefined);
}

function referencesTarget(ref: unknown, target: { type: string; id: string }): boolean {
  const parsed = parseReference((ref as Reference | undefined)?.reference);
  return parsed?.type === target.type && parsed.id === target.id;
}

/** Does `resource` satisfy one search parameter? Unknown parameters are ignored (true). */
function satisfies(resource: Resource, name: string, values: readonly string[]): boolean {
  // Repeated parameters AND; comma-separated values within one parameter OR.
  return values.every((value) => {
    const alternatives = value.split(',');
    switch (name) {
      case '_id':
        return alternatives.includes(resource.id ?? '');
      case 'identifier':
        return alternatives.some((v) =>
          tokenMatches(
            v,
            asArray(field(resource, 'identifier') as { system?: string; value?: string }[] | undefined).map((i) => ({
              ...(i.system !== undefined ? { system: i.system } : {}),
              ...(i.value !== undefined ? { code: i.value } : {}),
            })),
          ),
        );
      case 'patient':
      case 'subject':
        return alternatives.some((v) => {
          const target = referenceTarget(v, 'Patient');
          const subject = field(resource, 'subject') ?? field(resource, 'patient');
          return target !== undefined && referencesTarget(subject, target);
        });
      case 'category':
        return alternatives.some((v) =>
          tokenMatches(v, codings(asArray(field(resource, 'category') as CodeableConcept | CodeableConcept[]))),
        );
      case 'status':
        return alternatives.includes(String(field(resource, 'status')));
      default:
        return true;
    }
  });
}

const SEARCH_PARAMETERS = new Set(['_id', 'identifier', 'patient', 'subject', 'category', 'status']);

/** A chained parameter: `<reference parameter>[:<target type>].<target's parameter>`. */
interface Chain {
  /** The type the reference must point at; any type when absent (`subject.identifier`). */
  readonly targetType: string | undefined;
  readonly targetParameter: string;
}

function chainOf(name: string): Chain | undefined {
  const match = /^(patient|subject)(?::([A-Z][A-Za-z]+))?\.([_a-z][-a-z]*)$/.exec(name);
  if (!match || !SEARCH_PARAMETERS.has(match[3] as string)) return undefined;
  // `patient` references a Patient only; `subject` may reference other types unless a modifier narrows it.
  const targetType = match[2] ?? (match[1] === 'patient' ? 'Patient' : undefined);
  if (match[1] === 'patient' && targetType !== 'Patient') return undefined;
  return { targetType, targetParameter: match[3] as string };
}

function operationOutcome(severity: 'error' | 'fatal', code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export async function startFhirServer(options: FhirServerOptions): Promise<RunningFhirServer> {
  const defaultPageSize = options.defaultPageSize ?? 20;
  const maxPageSize = options.maxPageSize ?? 200;
  const requests: string[] = [];
  const searches = new Map<string, StoredSearch>();
  const store = new Map<string, Resource>();
  let baseUrl = '';

  const key = (type: string, id: string) => `${type}/${id}`;
  const fullUrl = (r: Resource) => `${baseUrl}/${r.resourceType}/${r.id ?? ''}`;

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': FHIR_JSON,
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-cache',
      'X-Powered-By': 'independent-fhir-test-server (FHIR R4)',
    });
    res.end(text);
  }

  /** Resources named by `_include=<Type>:<element>` for one page of matches, each once. */
  function included(page: readonly Resource[], includes: readonly string[]): Resource[] {
    const seen = new Set(page.map((r) => key(r.resourceType, r.id ?? '')));
    const out: Resource[] = [];
    for (const include of includes) {
      const [sourceType, element] = include.split(':');
      if (!sourceType || !element) continue;
      for (const resource of page) {
        if (resource.resourceType !== sourceType) continue;
        for (const ref of asArray(field(resource, element) as Reference | Reference[] | undefined)) {
          const target = parseReference(ref.reference);
          const found = target && store.get(key(target.type, target.id));
          if (found && !seen.has(key(found.resourceType, found.id ?? ''))) {
            seen.add(key(found.resourceType, found.id ?? ''));
            out.push(found);
          }
        }
      }
    }
    return out;
  }

  function pageBundle(searchId: string, search: StoredSearch, offset: number, self: string): Bundle {
    const page = search.matches.slice(offset, offset + search.pageSize);
    const pageLink = (at: number) =>
      `${baseUrl}?_getpages=${searchId}&_getpagesoffset=${at}&_count=${search.pageSize}&_bundletype=searchset`;
    const link: BundleLink[] = [{ relation: 'self', url: self }];
    if (offset + search.pageSize < search.matches.length)
      link.push({ relation: 'next', url: pageLink(offset + search.pageSize) });
    if (offset > 0) link.push({ relation: 'previous', url: pageLink(Math.max(0, offset - search.pageSize)) });
    const entry: BundleEntry[] = [
      ...page.map((resource) => ({ fullUrl: fullUrl(resource), resource, search: { mode: 'match' as const } })),
      ...included(page, search.includes).map((resource) => ({
        fullUrl: fullUrl(resource),
        resource,
        search: { mode: 'include' as const },
      })),
    ];
    return {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: new Date().toISOString() },
      type: 'searchset',
      total: search.matches.length,
      link,
      entry,
    };
  }

  /** Does the resource that `resource`'s subject (or patient) references satisfy the chained parameter? */
  function satisfiesChain(resource: Resource, chain: Chain, values: readonly string[]): boolean {
    const reference = (field(resource, 'subject') ?? field(resource, 'patient')) as Reference | undefined;
    const target = parseReference(reference?.reference);
    return values.every((value) => {
      const referenced = target && store.get(key(target.type, target.id));
      if (!referenced || (chain.targetType !== undefined && referenced.resourceType !== chain.targetType)) return false;
      return satisfies(referenced, chain.targetParameter, [value]);
    });
  }

  function search(type: string, params: Params, self: string): Bundle {
    const names = [...new Set(params.keys())];
    const direct = names.filter((n) => SEARCH_PARAMETERS.has(n));
    const chained = names.flatMap((n) => {
      const chain = chainOf(n);
      return chain ? [{ chain, values: params.getAll(n) }] : [];
    });
    const matches = [...store.values()].filter(
      (r) =>
        r.resourceType === type &&
        direct.every((n) => satisfies(r, n, params.getAll(n))) &&
        chained.every(({ chain, values }) => satisfiesChain(r, chain, values)),
    );
    const count = Number(params.get('_count'));
    const pageSize = Math.min(Number.isInteger(count) && count > 0 ? count : defaultPageSize, maxPageSize);
    const stored: StoredSearch = { matches, includes: params.getAll('_include'), pageSize };
    const searchId = randomUUID();
    searches.set(searchId, stored);
    if (searches.size > MAX_STORED_SEARCHES) searches.delete(searches.keys().next().value as string);
    return pageBundle(searchId, stored, 0, self);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', baseUrl);
    requests.push(`${url.pathname}${url.search}`);
    if (req.method !== 'GET') {
      send(res, 405, operationOutcome('error', 'not-supported', `${req.method ?? ''} is not supported here`));
      return;
    }
    if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
      send(res, 404, operationOutcome('error', 'not-found', 'Unknown path'));
      return;
    }
    const parts = url.pathname.slice(BASE_PATH.length).split('/').filter(Boolean);
    const self = `${baseUrl}${url.pathname.slice(BASE_PATH.length)}${url.search}`;

    if (parts.length === 0) {
      const searchId = url.searchParams.get('_getpages');
      const stored = searchId === null ? undefined : searches.get(searchId);
      const offset = Number(url.searchParams.get('_getpagesoffset') ?? '0');
      if (!stored || !Number.isInteger(offset) || offset < 0) {
        send(res, 410, operationOutcome('error', 'not-found', 'Search result set no longer available'));
        return;
      }
      send(res, 200, pageBundle(searchId as string, stored, offset, self));
      return;
    }
    const [type, id, ...rest] = parts as [string, ...string[]];
    if (type === 'metadata' && id === undefined) {
      send(res, 200, {
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: new Date().toISOString(),
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['application/fhir+json'],
        rest: [{ mode: 'server' }],
      });
      return;
    }
    if (!/^[A-Z][A-Za-z]+$/.test(type) || rest.length > 0) {
      send(res, 400, operationOutcome('error', 'invalid', 'Unsupported request'));
      return;
    }
    if (id === undefined) {
      send(res, 200, search(type, url.searchParams, self));
      return;
    }
    const found = store.get(key(type, id));
    if (!found) send(res, 404, operationOutcome('error', 'not-found', `Resource ${type}/${id} is not known`));
    else send(res, 200, found);
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      send(res, 500, operationOutcome('fatal', 'exception', 'Internal error'));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}${BASE_PATH}`;
  for (const resource of options.resources(baseUrl)) {
    if (!resource.id) throw new Error(`every resource needs an id (${resource.resourceType})`);
    store.set(key(resource.resourceType, resource.id), resource);
  }

  return {
    baseUrl,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
