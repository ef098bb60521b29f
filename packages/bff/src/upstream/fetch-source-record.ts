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
  RiskAssessment,
  Resource,
} from '@medplum/fhirtypes';
import { FhirClient, type FhirClientOptions, type SearchResult, UpstreamError } from './fhir-client.ts';

export type SourceFetchResult =
  | { readonly status: 'ok'; readonly record: SourceRecord; readonly bytes: number; readonly skippedEntries: number }
  | { readonly status: 'not-found' | 'mismatch'; readonly bytes: number };

const PAGE_SIZE = '100';
const ID_BATCH = 50;

function ofType<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): T[] {
  return resources.filter((r): r is T => r.resourceType === type);
}

/**
 * A search for a resource type the source may not offer at all (Consent, RiskAssessment). A
 * server without the type (404, or 400 for an unknown type) holds none to find; any other failure
 * fails the source, so its data is never shown without, say, its consents having been read.
 */
async function searchIfOffered(
  client: FhirClient,
  type: string,
  params: Record<string, string>,
): Promise<SearchResult> {
  try {
    return await client.search(type, params);
  } catch (err) {
    if (
      err instanceof UpstreamError &&
      err.failure === 'http-status' &&
      (err.httpStatus === 404 || err.httpStatus === 400)
    ) {
      return { resources: [], truncated: false };
    }
    throw err;
  }
}

/**
 * Fetches one source's record of one patient (DESIGN §4): the Patient by NHS-number identifier,
 * then its lab reports with their observations, letters and flags, in parallel.
 */
export async function fetchSourceRecord(
  nhsNumber: string,
  resultsSince: Date,
  options: FhirClientOptions,
): Promise<SourceFetchResult> {
  const client = new FhirClient(options);
  const found = await client.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}` });
  const candidates = ofType<Patient>(found.resources, 'Patient').filter((p) => p.active !== false);
  const patients = candidates.filter((p) => patientHasNhsNumber(p, nhsNumber));
  // The source answered the NHS-number search with someone else: never show that record.
  if (patients.length === 0 && candidates.length > 0) return { status: 'mismatch', bytes: client.bytesRead };
  if (patients.length === 0) return { status: 'not-found', bytes: client.bytesRead };
  // Several records for one NHS number is the source's data-quality problem: never guess which one.
  if (patients.length > 1) throw new UpstreamError('ambiguous-patient');
  const patient = patients[0] as Patient;
  if (!patient.id) throw new UpstreamError('ambiguous-patient');
  const byPatient = { patient: patient.id, _count: PAGE_SIZE };
  // Newest first where the server can sort, so a page cap drops the oldest, not the newest.
  const newestFirst = { _sort: '-date' };
  // Results within the window only (also filtered after mapping, for servers that ignore `date`).
  const inWindow = { date: `ge${resultsSince.toISOString().slice(0, 10)}` };

  const [reportSearch, labSearch, documentSearch, flagSearch, consentSearch, riskSearch] = await Promise.all([
    client.search('DiagnosticReport', byPatient, { ...inWindow, ...newestFirst, _include: 'DiagnosticReport:result' }),
    // Laboratory observations that no report groups (some servers store results this way).
    client.search('Observation', { ...byPatient, category: 'laboratory' }, { ...inWindow, ...newestFirst }),
    client.search('DocumentReference', byPatient, newestFirst),
    client.search('Flag', byPatient),
    searchIfOffered(client, 'Consent', { patient: patient.id }),
    searchIfOffered(client, 'RiskAssessment', byPatient),
  ]);
  const isAboutPatient = aboutPatient(patient.id, nhsNumber);
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
  for (let i = 0; i < missing.length; i += ID_BATCH) {
    const batch = await client.search('Observation', {
      _id: missing.slice(i, i + ID_BATCH).join(','),
      _count: PAGE_SIZE,
    });
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
    bytes: client.bytesRead,
    skippedEntries: client.skippedEntries,
  };
}
