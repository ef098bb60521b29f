import {
  aboutPatient,
  NHS_NUMBER_SYSTEM,
  patientHasNhsNumber,
  referencedId,
  type SectionName,
  type SourceRecord,
} from '@care-sidebar/shared';
import type {
  Consent,
  DiagnosticReport,
  DocumentReference,
  Flag,
  Observation,
  Patient,
  Reference,
  RiskAssessment,
  Resource,
} from '@medplum/fhirtypes';
import type { ChainedSearchSupport } from './chained-search-support.ts';
import type { ResourceTypeSupport } from './resource-type-support.ts';
import { FhirClient, type FhirClientOptions, type SearchResult, UpstreamError } from './fhir-client.ts';

export type SourceFetchResult =
  | { readonly status: 'ok'; readonly record: SourceRecord; readonly bytes: number; readonly skippedEntries: number }
  | { readonly status: 'not-found' | 'mismatch'; readonly bytes: number };

const PAGE_SIZE = '100';
/** Why searches still in flight are stopped once the record has been settled. */
const RECORD_SETTLED = new Error('the source record was settled');
const ID_BATCH = 50;
const NONE: SearchResult = { resources: [], truncated: false, bytes: 0 };
/** Answers by which a server says it does not support what was asked (here: the chained parameter). */
const REFUSALS: ReadonlySet<number> = new Set([400, 403, 404, 405, 422, 501]);
/** Answers by which a server says it has no such resource type. */
const NOT_OFFERED: ReadonlySet<number> = new Set([404, 400]);

export interface SourceRecordOptions extends FhirClientOptions {
  /** The source's memory of whether chained searches work; without it, every fetch takes two rounds. */
  readonly chainedSearch?: ChainedSearchSupport;
  /** The source's memory of the types it does not offer (Consent, RiskAssessment); without it, they are asked every time. */
  readonly resourceTypes?: ResourceTypeSupport;
}

/** One data search, asked either by the patient's id or chained on its NHS number. */
interface DataSearch {
  readonly type: string;
  /** Entry types the record takes from the answer: the searched type and any it includes. */
  readonly reads: readonly string[];
  readonly params: Readonly<Record<string, string>>;
  /** Dropped if a strict server refuses them (FhirClient.search). */
  readonly optional?: Readonly<Record<string, string>>;
  /** A type the source may not offer at all (Consent, RiskAssessment). */
  readonly mayBeAbsent?: true;
}

function dataSearches(resultsSince: Date) {
  const page = { _count: PAGE_SIZE };
  // Newest first where the server can sort, so a page cap drops the oldest, not the newest.
  const newestFirst = { _sort: '-date' };
  // Results within the window only (also filtered after mapping, for servers that ignore `date`).
  const inWindow = { date: `ge${resultsSince.toISOString().slice(0, 10)}` };
  return {
    reports: {
      type: 'DiagnosticReport',
      reads: ['DiagnosticReport', 'Observation'],
      params: page,
      optional: { ...inWindow, ...newestFirst, _include: 'DiagnosticReport:result' },
    },
    // Laboratory observations that no report groups (some servers store results this way).
    labs: {
      type: 'Observation',
      reads: ['Observation'],
      params: { ...page, category: 'laboratory' },
      optional: { ...inWindow, ...newestFirst },
    },
    documents: { type: 'DocumentReference', reads: ['DocumentReference'], params: page, optional: newestFirst },
    flags: { type: 'Flag', reads: ['Flag'], params: page },
    consents: { type: 'Consent', reads: ['Consent'], params: {}, mayBeAbsent: true },
    risks: { type: 'RiskAssessment', reads: ['RiskAssessment'], params: page, mayBeAbsent: true },
  } satisfies Record<string, DataSearch>;
}

type SearchName = keyof ReturnType<typeof dataSearches>;
type Settled = { readonly ok: true; readonly result: SearchResult } | { readonly ok: false; readonly error: unknown };

function ofType<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): T[] {
  return resources.filter((r): r is T => r.resourceType === type);
}

/**
 * The search was refused with one of `statuses` on its first page (by default: a later page refused
 * says nothing of the search itself), or on a later page (`page: 'later'`).
 */
function isHttpStatus(err: unknown, statuses: ReadonlySet<number>, page: 'first' | 'later' = 'first'): boolean {
  return (
    err instanceof UpstreamError &&
    err.failure === 'http-status' &&
    err.laterPage === (page === 'later') &&
    err.httpStatus !== undefined &&
    statuses.has(err.httpStatus)
  );
}

/** The data search asked by the patient's id. */
function searchById(client: FhirClient, search: DataSearch, patientId: string): Promise<SearchResult> {
  return client.search(search.type, { patient: patientId, ...search.params }, search.optional);
}

/**
 * The search by patient id; `undefined` when it is of a type the source may not offer at all and
 * the server says so to the first page (404, or 400 for an unknown type). Any other failure fails
 * the source, so its data is never shown without, say, its consents having been read.
 */
async function searchOfferedType(
  client: FhirClient,
  search: DataSearch,
  patientId: string,
): Promise<SearchResult | undefined> {
  try {
    return await searchById(client, search, patientId);
  } catch (err) {
    if (search.mayBeAbsent && isHttpStatus(err, NOT_OFFERED)) return undefined;
    throw err;
  }
}

/** The search by patient id; a type the server says it does not offer holds nothing. */
async function searchByPatientId(
  client: FhirClient,
  search: DataSearch,
  patientId: string,
  types: ResourceTypeSupport | undefined,
): Promise<SearchResult> {
  const result = await searchOfferedType(client, search, patientId);
  if (!result) return NONE;
  if (search.mayBeAbsent) types?.answered(search.type);
  return result;
}

/**
 * The search chained on the NHS number (https://hl7.org/fhir/R4/search.html#chaining), sent before
 * the Patient is known. Settled at once so that an answer nobody reads (patient not found) is never
 * an unhandled rejection.
 */
function searchChained(client: FhirClient, search: DataSearch, nhsNumber: string): Promise<Settled> {
  const params = { 'patient.identifier': `${NHS_NUMBER_SYSTEM}|${nhsNumber}`, ...search.params };
  return client.search(search.type, params, search.optional).then(
    (result) => ({ ok: true, result }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** A Consent names its patient in `patient`; the other types read here in `subject`. */
function subjectOf(resource: Resource): { subject?: Reference } {
  if (resource.resourceType === 'Consent') return resource.patient ? { subject: resource.patient } : {};
  return resource as { subject?: Reference };
}

/**
 * A chained answer is used only if every entry the record reads is about the matched Patient.
 * Otherwise the server ignored the chain, or holds a second Patient with this NHS number (a merged
 * record): the whole answer is discarded and the search asked again by id, as is one refused. A
 * refusal of a type the source may not offer is the chain's fault only if the search by id is
 * answered: refused too, the source has no such type, and its chained searches stay trusted.
 */
async function verifiedOrById(
  client: FhirClient,
  search: DataSearch,
  chained: Promise<Settled>,
  patientId: string,
  isAboutPatient: (resource: Resource) => boolean,
  support: ChainedSearchSupport,
  types: ResourceTypeSupport | undefined,
  /** The type's memory when the search was sent (ResourceTypeSupport.epoch). */
  typeEpoch: string,
): Promise<SearchResult> {
  const answer = await chained;
  if (answer.ok) {
    const read = answer.result.resources.filter((r) => search.reads.includes(r.resourceType));
    if (read.every(isAboutPatient)) {
      if (search.mayBeAbsent) types?.answered(search.type);
      return answer.result;
    }
    support.distrust('foreign-entries');
  } else if (search.mayBeAbsent && isHttpStatus(answer.error, NOT_OFFERED)) {
    // Only here, refused both ways in one record, is the type remembered as not offered.
    const byId = await searchOfferedType(client, search, patientId);
    if (!byId) {
      types?.notOffered(search.type, typeEpoch);
      return NONE;
    }
    support.distrust('refused');
    types?.answered(search.type);
    return byId;
  } else if (isHttpStatus(answer.error, REFUSALS)) {
    support.distrust('refused');
  } else if (isHttpStatus(answer.error, REFUSALS, 'later')) {
    // Answered, then a later page refused (not forgotten: a 410 was already run again): asked again
    // by id, where a refusal fails the source (the type is offered: no "none held" for it), without
    // blaming the chain.
    return searchById(client, search, patientId);
  } else {
    throw answer.error;
  }
  return searchByPatientId(client, search, patientId, types);
}

/**
 * Fetches one source's record of one patient (DESIGN §4): the Patient by NHS-number identifier,
 * and its lab reports with their observations, letters, flags, consents and risk assessments.
 * Where the source's chained searches are trusted, the data searches go out with the Patient
 * search (one round); otherwise, after it, by patient id (two rounds).
 */
export async function fetchSourceRecord(
  nhsNumber: string,
  resultsSince: Date,
  options: SourceRecordOptions,
): Promise<SourceFetchResult> {
  // Settled means settled: once the record is known (or has failed), any search still in flight —
  // a chained one whose answer is no longer wanted, or a sibling of a search that failed — stops.
  const done = new AbortController();
  try {
    return await fetchWithClient(nhsNumber, resultsSince, options, new FhirClient({ ...options, cancel: done.signal }));
  } finally {
    // A reason made once: abort() without one builds a DOMException, stack and all, every time.
    done.abort(RECORD_SETTLED);
  }
}

async function fetchWithClient(
  nhsNumber: string,
  resultsSince: Date,
  options: SourceRecordOptions,
  client: FhirClient,
): Promise<SourceFetchResult> {
  const searches = dataSearches(resultsSince);
  // While the source's breaker is not closed, the Patient search goes alone: it is the one probe
  // the breaker lets through, and the data searches follow only once it has succeeded.
  const breakerClosed = (options.breaker?.state ?? 'closed') === 'closed';
  const support = breakerClosed && options.chainedSearch?.trusted() ? options.chainedSearch : undefined;
  const types = options.resourceTypes;
  // Each type's memory as the searches go out: a refusal reported against an older one is stale.
  const epochOf = new Map(
    Object.values(searches)
      .filter((s: DataSearch) => s.mayBeAbsent)
      .map((s) => [s.type, types?.epoch(s.type) ?? '']),
  );
  // Sent with the Patient search; nothing of their answers is read before the Patient check has
  // passed. A type the source was found not to offer, a moment ago, is left out (the memory says how long).
  const chained =
    support &&
    (Object.fromEntries(
      Object.entries(searches)
        .filter(([, search]: [string, DataSearch]) => !search.mayBeAbsent || (types?.offered(search.type) ?? true))
        .map(([name, search]) => [name, searchChained(client, search, nhsNumber)]),
    ) as Partial<Record<SearchName, Promise<Settled>>>);

  const found = await client.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}` });
  const candidates = ofType<Patient>(found.resources, 'Patient').filter((p) => p.active !== false);
  const patients = candidates.filter((p) => patientHasNhsNumber(p, nhsNumber));
  // The source answered the NHS-number search with someone else: never show that record.
  if (patients.length === 0 && candidates.length > 0) return { status: 'mismatch', bytes: found.bytes };
  if (patients.length === 0) return { status: 'not-found', bytes: found.bytes };
  // Several records for one NHS number is the source's data-quality problem: never guess which one.
  if (patients.length > 1) throw new UpstreamError('ambiguous-patient');
  const patient = patients[0] as Patient;
  const patientId = patient.id;
  if (!patientId) throw new UpstreamError('ambiguous-patient');
  const isAboutPatient = aboutPatient(patientId, nhsNumber);
  const isEntryAboutPatient = (resource: Resource) => isAboutPatient(subjectOf(resource));

  const resultOf = (name: SearchName): Promise<SearchResult> => {
    const search = searches[name];
    if (chained && support) {
      const answer = chained[name];
      // Left out of the chained searches: a type the source does not offer.
      return answer
        ? verifiedOrById(
            client,
            search,
            answer,
            patientId,
            isEntryAboutPatient,
            support,
            types,
            epochOf.get(search.type) ?? '',
          )
        : Promise.resolve(NONE);
    }
    return searchByPatientId(client, search, patientId, types);
  };
  const [reportSearch, labSearch, documentSearch, flagSearch, consentSearch, riskSearch] = await Promise.all([
    resultOf('reports'),
    resultOf('labs'),
    resultOf('documents'),
    resultOf('flags'),
    resultOf('consents'),
    resultOf('risks'),
  ]);
  const reports = ofType<DiagnosticReport>(reportSearch.resources, 'DiagnosticReport').filter(isAboutPatient);
  const observations = new Map<string, Observation>();
  for (const o of [
    ...ofType<Observation>(reportSearch.resources, 'Observation'),
    ...ofType<Observation>(labSearch.resources, 'Observation'),
  ]) {
    if (o.id && !observations.has(o.id)) observations.set(o.id, o);
  }

  // Servers that ignore _include: fetch the referenced observations by id.
  const missing = [
    ...new Set(reports.flatMap((r) => (r.result ?? []).map((ref) => referencedId(ref.reference, 'Observation')))),
  ].filter((id): id is string => id !== undefined && !observations.has(id));
  let observationsTruncated = false;
  // What the cache entry is sized by: the answers the record was built from, not those discarded
  // on the way (a chained search's answer replaced by one by patient id, a forgotten search's pages).
  let bytes = [found, reportSearch, labSearch, documentSearch, flagSearch, consentSearch, riskSearch].reduce(
    (n, search) => n + search.bytes,
    0,
  );
  for (let i = 0; i < missing.length; i += ID_BATCH) {
    const batch = await client.search('Observation', {
      _id: missing.slice(i, i + ID_BATCH).join(','),
      _count: PAGE_SIZE,
    });
    bytes += batch.bytes;
    observationsTruncated ||= batch.truncated;
    for (const o of ofType<Observation>(batch.resources, 'Observation')) if (o.id) observations.set(o.id, o);
  }

  const incomplete: SectionName[] = [];
  if (reportSearch.truncated || labSearch.truncated || observationsTruncated) incomplete.push('results');
  if (documentSearch.truncated) incomplete.push('letters');
  if (flagSearch.truncated || riskSearch.truncated) incomplete.push('flags');
  return {
    status: 'ok',
    record: {
      patient,
      reports,
      observations: [...observations.values()].filter(isAboutPatient),
      documents: ofType<DocumentReference>(documentSearch.resources, 'DocumentReference').filter(isAboutPatient),
      flags: ofType<Flag>(flagSearch.resources, 'Flag').filter(isAboutPatient),
      riskAssessments: ofType<RiskAssessment>(riskSearch.resources, 'RiskAssessment').filter(isAboutPatient),
      consents: ofType<Consent>(consentSearch.resources, 'Consent').filter(
        (c) => c.patient !== undefined && isAboutPatient({ subject: c.patient }),
      ),
      incomplete,
    },
    bytes,
    skippedEntries: client.skippedEntries,
  };
}
