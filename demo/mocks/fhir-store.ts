/**
 * A tiny, read-only FHIR R4 store with the search semantics a BFF meets on real
 * servers (https://hl7.org/fhir/R4/search.html): token / reference / date / string
 * parameters with their common modifiers and prefixes, comma = OR, repeated = AND,
 * `_include` / `_revinclude`, `_sort`, `_count` paging with absolute `next` links,
 * and lenient handling of unknown parameters (strict when the client sends
 * `Prefer: handling=strict`). No I/O: the msw handlers in fhir-handlers.ts wrap it.
 */
import type {
  Bundle,
  BundleEntry,
  BundleLink,
  OperationOutcome,
  OperationOutcomeIssue,
  Resource,
} from '@medplum/fhirtypes';

/** An OperationOutcome issue type (http://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueType = OperationOutcomeIssue['code'];

type ParamKind = 'token' | 'reference' | 'date' | 'string';

interface ParamDef {
  readonly kind: ParamKind;
  /** Dotted element paths; arrays are flattened on the way. */
  readonly paths: readonly string[];
}

const p = (kind: ParamKind, ...paths: string[]): ParamDef => ({ kind, paths });

// Search parameters per type, from the R4 search parameter registry. Deliberately
// only R4's: Flag and RiskAssessment have no `status` parameter, so a client that
// sends one gets it ignored, as on a real server.
const COMMON: Readonly<Record<string, ParamDef>> = { _id: p('token', 'id') };
const SEARCH_PARAMS: Readonly<Record<string, Readonly<Record<string, ParamDef>>>> = {
  Patient: {
    identifier: p('token', 'identifier'),
    birthdate: p('date', 'birthDate'),
    gender: p('token', 'gender'),
    family: p('string', 'name.family'),
    given: p('string', 'name.given'),
    name: p('string', 'name'),
    active: p('token', 'active'),
  },
  DiagnosticReport: {
    patient: p('reference', 'subject'),
    subject: p('reference', 'subject'),
    status: p('token', 'status'),
    category: p('token', 'category'),
    code: p('token', 'code'),
    date: p('date', 'effectiveDateTime', 'effectivePeriod'),
    issued: p('date', 'issued'),
    identifier: p('token', 'identifier'),
    result: p('reference', 'result'),
  },
  Observation: {
    patient: p('reference', 'subject'),
    subject: p('reference', 'subject'),
    status: p('token', 'status'),
    category: p('token', 'category'),
    code: p('token', 'code'),
    date: p('date', 'effectiveDateTime', 'effectivePeriod', 'effectiveInstant'),
    identifier: p('token', 'identifier'),
    'has-member': p('reference', 'hasMember'),
    'derived-from': p('reference', 'derivedFrom'),
  },
  DocumentReference: {
    patient: p('reference', 'subject'),
    subject: p('reference', 'subject'),
    status: p('token', 'status'),
    type: p('token', 'type'),
    category: p('token', 'category'),
    date: p('date', 'date'),
    period: p('date', 'context.period'),
    setting: p('token', 'context.practiceSetting'),
    identifier: p('token', 'masterIdentifier', 'identifier'),
    relatesto: p('reference', 'relatesTo.target'),
  },
  Flag: {
    patient: p('reference', 'subject'),
    subject: p('reference', 'subject'),
    date: p('date', 'period'),
    identifier: p('token', 'identifier'),
  },
  RiskAssessment: {
    patient: p('reference', 'subject'),
    subject: p('reference', 'subject'),
    date: p('date', 'occurrenceDateTime', 'occurrencePeriod'),
    identifier: p('token', 'identifier'),
  },
  Consent: {
    patient: p('reference', 'patient'),
    status: p('token', 'status'),
    category: p('token', 'category'),
    scope: p('token', 'scope'),
    date: p('date', 'dateTime'),
    identifier: p('token', 'identifier'),
  },
};

/** Result-shaping parameters: not filters. */
const CONTROL_PARAMS = new Set([
  '_count',
  '_offset',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_total',
  '_elements',
  '_format',
  '_pretty',
]);

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export class FhirError extends Error {
  override readonly name = 'FhirError';
  readonly status: number;
  readonly outcome: OperationOutcome;
  constructor(status: number, code: IssueType, diagnostics: string) {
    super(diagnostics);
    this.status = status;
    this.outcome = operationOutcome(code, diagnostics);
  }
}

export function operationOutcome(
  code: IssueType,
  diagnostics: string,
  severity: 'error' | 'fatal' | 'warning' = 'error',
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

// ------------------------------------------------------------ element access

function walk(value: unknown, path: readonly string[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => walk(v, path));
  if (path.length === 0) return [value];
  if (typeof value !== 'object') return [];
  const [head, ...rest] = path;
  return walk((value as Record<string, unknown>)[head as string], rest);
}

function valuesOf(resource: Resource, def: ParamDef): unknown[] {
  return def.paths.flatMap((path) => walk(resource, path.split('.')));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface Token {
  readonly system: string | undefined;
  readonly code: string;
}

function tokensOf(value: unknown): Token[] {
  if (typeof value === 'string') return [{ system: undefined, code: value }];
  if (typeof value === 'boolean') return [{ system: undefined, code: String(value) }];
  if (!isRecord(value)) return [];
  if (Array.isArray(value['coding'])) return value['coding'].flatMap(tokensOf); // CodeableConcept
  const system = str(value['system']);
  const code = str(value['code']) ?? str(value['value']); // Coding, Identifier
  return code === undefined ? [] : [{ system, code }];
}

/** "Patient/1", "https://x/R4/Patient/1", "Patient/1/_history/2" → "Patient/1". */
function normaliseReference(reference: string): string | undefined {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

interface Range {
  readonly start: number;
  readonly end: number; // exclusive
}

/** The instant range a FHIR date / dateTime / instant covers at its precision (UTC for dates). */
function dateRange(value: string): Range | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (m) {
    const y = Number(m[1]);
    if (m[2] === undefined) return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
    const mo = Number(m[2]) - 1;
    if (m[3] === undefined) return { start: Date.UTC(y, mo, 1), end: Date.UTC(y, mo + 1, 1) };
    const d = Number(m[3]);
    return { start: Date.UTC(y, mo, d), end: Date.UTC(y, mo, d + 1) };
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return undefined;
  const precisionMs = /T\d{2}:\d{2}:\d{2}/.test(value) ? 1000 : 60_000;
  return { start: t, end: t + precisionMs };
}

function rangesOf(value: unknown): Range[] {
  if (typeof value === 'string') {
    const r = dateRange(value);
    return r ? [r] : [];
  }
  if (isRecord(value)) {
    // Period: an open end runs to +∞, an open start from −∞.
    const start = str(value['start']);
    const end = str(value['end']);
    if (start === undefined && end === undefined) return [];
    return [
      {
        start: start ? (dateRange(start)?.start ?? -Infinity) : -Infinity,
        end: end ? (dateRange(end)?.end ?? Infinity) : Infinity,
      },
    ];
  }
  return [];
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (isRecord(value)) {
    // HumanName (and anything with similar parts).
    return ['text', 'family', 'given', 'prefix', 'suffix']
      .flatMap((k) => walk(value, [k]))
      .filter((v): v is string => typeof v === 'string');
  }
  return [];
}

const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

// ------------------------------------------------------------ matching one parameter

type Matcher = (resource: Resource) => boolean;

const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
type DatePrefix = (typeof DATE_PREFIXES)[number];

function dateMatcher(def: ParamDef, raw: string, name: string): Matcher {
  const prefix = (DATE_PREFIXES as readonly string[]).includes(raw.slice(0, 2))
    ? (raw.slice(0, 2) as DatePrefix)
    : 'eq';
  const text = DATE_PREFIXES.includes(raw.slice(0, 2) as DatePrefix) ? raw.slice(2) : raw;
  const q = dateRange(text);
  if (!q) throw new FhirError(400, 'invalid', `Invalid date '${raw}' for parameter '${name}'`);
  const test = (r: Range): boolean => {
    const eq = r.start >= q.start && r.end <= q.end;
    switch (prefix) {
      case 'eq':
        return eq;
      case 'ne':
        return !eq;
      case 'gt':
        return r.end > q.end;
      case 'lt':
        return r.start < q.start;
      case 'ge':
        return r.end > q.start;
      case 'le':
        return r.start < q.end;
      case 'sa':
        return r.start >= q.end;
      case 'eb':
        return r.end <= q.start;
      case 'ap':
        return r.start < q.end && r.end > q.start;
    }
  };
  return (resource) => valuesOf(resource, def).flatMap(rangesOf).some(test);
}

function tokenMatches(token: Token, query: string): boolean {
  const bar = query.indexOf('|');
  if (bar < 0) return token.code === query;
  const system = query.slice(0, bar);
  const code = query.slice(bar + 1);
  if (system === '') return token.system === undefined && token.code === code;
  if (code === '') return token.system === system;
  return token.system === system && token.code === code;
}

export class FhirStore {
  readonly baseUrl: string;
  readonly #byType = new Map<string, Map<string, Resource>>();

  constructor(baseUrl: string, resources: readonly Resource[]) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    for (const type of Object.keys(SEARCH_PARAMS)) this.#byType.set(type, new Map());
    for (const resource of resources) {
      if (!resource.id) throw new TypeError(`${resource.resourceType} without an id`);
      let table = this.#byType.get(resource.resourceType);
      if (!table) {
        table = new Map();
        this.#byType.set(resource.resourceType, table);
      }
      if (table.has(resource.id)) throw new TypeError(`Duplicate ${resource.resourceType}/${resource.id}`);
      table.set(resource.id, resource);
    }
  }

  /** Resource types this server answers for (others are 404, as on a real server). */
  get types(): string[] {
    return [...this.#byType.keys()];
  }

  supports(type: string): boolean {
    return this.#byType.has(type);
  }

  read(type: string, id: string): Resource {
    const table = this.#byType.get(type);
    if (!table) throw new FhirError(404, 'not-supported', `Unknown resource type '${type}'`);
    const resource = table.get(id);
    if (!resource) throw new FhirError(404, 'not-found', `${type}/${id} is not known`);
    return structuredClone(resource);
  }

  #resolve(reference: string): Resource | undefined {
    const normal = normaliseReference(reference);
    if (!normal) return undefined;
    const [type, id] = normal.split('/') as [string, string];
    return this.#byType.get(type)?.get(id);
  }

  #refsOf(resource: Resource, def: ParamDef): { ref: string | undefined; identifiers: Token[] }[] {
    return valuesOf(resource, def)
      .filter(isRecord)
      .map((r) => {
        const reference = str(r['reference']);
        return { ref: reference ? normaliseReference(reference) : undefined, identifiers: tokensOf(r['identifier']) };
      });
  }

  #matcher(type: string, key: string, values: string[], strict: boolean): Matcher | undefined {
    // Chained search on the patient: patient.identifier=…, subject:Patient.identifier=…
    const chained = /^([a-z-]+)(?::([A-Z][A-Za-z]+))?\.([a-z-]+)$/.exec(key);
    if (chained) {
      const [, refName = '', targetType = 'Patient', targetParam = ''] = chained;
      const def = SEARCH_PARAMS[type]?.[refName];
      const targetDef = SEARCH_PARAMS[targetType]?.[targetParam];
      if (!def || def.kind !== 'reference' || !targetDef) return this.#unknown(type, key, strict);
      const targets = new Set(
        this.#search(targetType, new URLSearchParams(values.map((v) => [targetParam, v])), strict).map(
          (r) => `${targetType}/${r.id ?? ''}`,
        ),
      );
      return (resource) => this.#refsOf(resource, def).some((r) => r.ref !== undefined && targets.has(r.ref));
    }

    const [name = '', modifier] = splitModifier(key);
    const def = COMMON[name] ?? SEARCH_PARAMS[type]?.[name];
    if (!def) return this.#unknown(type, key, strict);
    const alternatives = values.flatMap((v) => v.split(',')).filter((v) => v !== '');

    if (modifier === 'missing') {
      const missing = alternatives[0] === 'true';
      return (resource) => (valuesOf(resource, def).length === 0) === missing;
    }

    switch (def.kind) {
      case 'token': {
        if (modifier !== undefined && modifier !== 'not') {
          throw new FhirError(400, 'not-supported', `Unsupported modifier ':${modifier}' on token parameter '${name}'`);
        }
        const any: Matcher = (resource) => {
          const tokens = valuesOf(resource, def).flatMap(tokensOf);
          return alternatives.some((q) => tokens.some((t) => tokenMatches(t, q)));
        };
        return modifier === 'not' ? (resource) => !any(resource) : any;
      }
      case 'reference': {
        if (modifier === 'identifier') {
          return (resource) =>
            this.#refsOf(resource, def).some((r) =>
              alternatives.some((q) => r.identifiers.some((t) => tokenMatches(t, q))),
            );
        }
        if (modifier !== undefined && !/^[A-Z][A-Za-z]+$/.test(modifier)) {
          throw new FhirError(
            400,
            'not-supported',
            `Unsupported modifier ':${modifier}' on reference parameter '${name}'`,
          );
        }
        // `patient` targets Patient; a bare id on `subject` is read as Patient (the only target we hold).
        const defaultType = modifier ?? 'Patient';
        const wanted = new Set(
          alternatives
            .map((q) => normaliseReference(q) ?? `${defaultType}/${q}`)
            .filter((q) => modifier === undefined || q.startsWith(`${modifier}/`)),
        );
        const patientOnly = name === 'patient';
        return (resource) =>
          this.#refsOf(resource, def).some(
            (r) => r.ref !== undefined && wanted.has(r.ref) && (!patientOnly || r.ref.startsWith('Patient/')),
          );
      }
      case 'date': {
        if (modifier !== undefined)
          throw new FhirError(400, 'not-supported', `Unsupported modifier ':${modifier}' on date parameter '${name}'`);
        const matchers = alternatives.map((q) => dateMatcher(def, q, name));
        return (resource) => matchers.some((m) => m(resource));
      }
      case 'string': {
        if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') {
          throw new FhirError(
            400,
            'not-supported',
            `Unsupported modifier ':${modifier}' on string parameter '${name}'`,
          );
        }
        return (resource) => {
          const texts = valuesOf(resource, def).flatMap(stringsOf);
          return alternatives.some((q) =>
            texts.some((t) =>
              modifier === 'exact'
                ? t === q
                : modifier === 'contains'
                  ? fold(t).includes(fold(q))
                  : fold(t).startsWith(fold(q)),
            ),
          );
        };
      }
    }
  }

  #unknown(type: string, key: string, strict: boolean): undefined {
    if (strict)
      throw new FhirError(400, 'not-supported', `Unknown search parameter '${key}' for resource type '${type}'`);
    return undefined; // lenient: ignored, and left out of the self link
  }

  /** Matching resources (unpaged, unsorted unless `_sort`), in store order. */
  #search(type: string, params: URLSearchParams, strict: boolean): Resource[] {
    const table = this.#byType.get(type);
    if (!table) throw new FhirError(404, 'not-supported', `Unknown resource type '${type}'`);
    const grouped = new Map<string, string[]>();
    for (const [key, value] of params) {
      if (CONTROL_PARAMS.has(key) || key.startsWith('_include') || key.startsWith('_revinclude')) continue;
      grouped.set(key, [...(grouped.get(key) ?? []), value]);
    }
    const matchers: Matcher[] = [];
    for (const [key, values] of grouped) {
      // Repeated parameters AND together; commas within one value OR.
      for (const value of values) {
        const m = this.#matcher(type, key, [value], strict);
        if (m) matchers.push(m);
      }
    }
    return [...table.values()].filter((r) => matchers.every((m) => m(r)));
  }

  /** Which of the request's parameters this server used (for the self link). */
  #usedParams(type: string, params: URLSearchParams): URLSearchParams {
    const used = new URLSearchParams();
    for (const [key, value] of params) {
      const [name = ''] = splitModifier(key);
      const known =
        CONTROL_PARAMS.has(key) ||
        key.startsWith('_include') ||
        key.startsWith('_revinclude') ||
        COMMON[name] !== undefined ||
        SEARCH_PARAMS[type]?.[name] !== undefined ||
        /^[a-z-]+(?::[A-Z][A-Za-z]+)?\.[a-z-]+$/.test(key);
      if (known && key !== '_offset' && key !== '_count') used.append(key, value);
    }
    return used;
  }

  /**
   * A FHIR searchset Bundle for `GET {base}/{type}?{params}`.
   * `defaultCount` is the page size when the client sends no `_count`.
   */
  search(type: string, params: URLSearchParams, options: { strict?: boolean; defaultCount?: number } = {}): Bundle {
    const strict = options.strict ?? false;
    const matches = this.#search(type, params, strict);

    for (const sort of (params.get('_sort') ?? '').split(',').filter(Boolean).reverse()) {
      const descending = sort.startsWith('-');
      const name = descending ? sort.slice(1) : sort;
      const def = COMMON[name] ?? SEARCH_PARAMS[type]?.[name];
      if (!def) continue;
      const key = (r: Resource): string | number | undefined => {
        const v = valuesOf(r, def);
        if (def.kind === 'date') return v.flatMap(rangesOf)[0]?.start;
        return v.flatMap((x) => (def.kind === 'token' ? tokensOf(x).map((t) => t.code) : stringsOf(x)))[0];
      };
      // Stable sort; resources without the value go last either way.
      matches.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        if (ka === undefined || kb === undefined) return ka === kb ? 0 : ka === undefined ? 1 : -1;
        const c = ka < kb ? -1 : ka > kb ? 1 : 0;
        return descending ? -c : c;
      });
    }

    const countParam = params.get('_count');
    let count = options.defaultCount ?? DEFAULT_PAGE_SIZE;
    if (countParam !== null) {
      const n = Number(countParam);
      if (!Number.isInteger(n) || n < 0) throw new FhirError(400, 'invalid', `Invalid _count '${countParam}'`);
      count = Math.min(n, MAX_PAGE_SIZE);
    }
    const offsetParam = params.get('_offset');
    const offset = offsetParam === null ? 0 : Number(offsetParam);
    if (!Number.isInteger(offset) || offset < 0)
      throw new FhirError(400, 'invalid', `Invalid _offset '${offsetParam}'`);
    const summaryCount = params.get('_summary') === 'count';
    const page = summaryCount ? [] : matches.slice(offset, offset + count);

    const entry: BundleEntry[] = page.map((r) => this.#entry(r, 'match'));
    if (!summaryCount) {
      const seen = new Set(page.map((r) => `${r.resourceType}/${r.id ?? ''}`));
      const add = (r: Resource | undefined): void => {
        if (!r) return;
        const key = `${r.resourceType}/${r.id ?? ''}`;
        if (seen.has(key)) return;
        seen.add(key);
        entry.push(this.#entry(r, 'include'));
      };
      for (const [key, value] of params) {
        if (key.startsWith('_include')) for (const r of this.#includes(page, value)) add(r);
        if (key.startsWith('_revinclude')) for (const r of this.#revincludes(page, value)) add(r);
      }
    }

    const used = this.#usedParams(type, params);
    const link = (relation: string, at: number): BundleLink => {
      const q = new URLSearchParams(used);
      q.set('_count', String(count));
      if (at > 0) q.set('_offset', String(at));
      return { relation, url: `${this.baseUrl}/${type}?${q.toString()}` };
    };
    const links: BundleLink[] = [link('self', offset)];
    if (!summaryCount && count > 0) {
      if (offset > 0) links.push(link('previous', Math.max(0, offset - count)));
      if (offset + count < matches.length) links.push(link('next', offset + count));
    }

    return {
      resourceType: 'Bundle',
      meta: { lastUpdated: new Date().toISOString() },
      type: 'searchset',
      total: matches.length,
      link: links,
      ...(summaryCount ? {} : { entry }),
    };
  }

  #entry(resource: Resource, mode: 'match' | 'include'): BundleEntry {
    return {
      fullUrl: `${this.baseUrl}/${resource.resourceType}/${resource.id ?? ''}`,
      resource: structuredClone(resource),
      search: { mode },
    };
  }

  /** `_include=DiagnosticReport:result[:Observation]`. */
  #includes(page: readonly Resource[], spec: string): Resource[] {
    const [sourceType, param, targetType] = spec.split(':');
    const def = sourceType && param ? SEARCH_PARAMS[sourceType]?.[param] : undefined;
    if (!def || def.kind !== 'reference') return [];
    return page
      .filter((r) => r.resourceType === sourceType)
      .flatMap((r) => this.#refsOf(r, def))
      .map((r) => (r.ref ? this.#resolve(r.ref) : undefined))
      .filter((r): r is Resource => r !== undefined && (targetType === undefined || r.resourceType === targetType));
  }

  /** `_revinclude=Flag:patient`: resources of that type pointing at a page resource. */
  #revincludes(page: readonly Resource[], spec: string): Resource[] {
    const [sourceType, param] = spec.split(':');
    const def = sourceType && param ? SEARCH_PARAMS[sourceType]?.[param] : undefined;
    const table = sourceType ? this.#byType.get(sourceType) : undefined;
    if (!def || def.kind !== 'reference' || !table) return [];
    const targets = new Set(page.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    return [...table.values()].filter((r) =>
      this.#refsOf(r, def).some((x) => x.ref !== undefined && targets.has(x.ref)),
    );
  }
}

function splitModifier(key: string): [string, string | undefined] {
  const i = key.indexOf(':');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}
