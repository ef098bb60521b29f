import type {
  Consent,
  DiagnosticReport,
  DocumentReference,
  Flag,
  Observation,
  Patient,
  RiskAssessment,
} from '@medplum/fhirtypes';
import type {
  AnalyteHistory,
  FlagItem,
  LetterItem,
  ResultObservation,
  ResultReport,
  ResultsSection,
  Section,
  SectionName,
  SectionStatus,
  SourceOutcome,
  SourceRef,
  SummaryView,
} from '../view-models.ts';
import { aboutPatient } from './about-patient.ts';
import { referencedId } from './codeable-concept.ts';
import { compareReportsNewestFirst, mapDiagnosticReport, mapStandaloneObservation } from './map-diagnostic-report.ts';
import { compareLettersNewestFirst, mapDocumentReference } from './map-document-reference.ts';
import { compareFlags, mapFlag } from './map-flag.ts';
import { mapPatientBanner } from './map-patient.ts';
import { mapRiskAssessment } from './map-risk-assessment.ts';
import { Deduplicator, identifierKeys, sameLetterKeys, sameReportKeys } from './same-item.ts';
import { analyteKey, type ReportCandidate, splitSuperseded, withHistory } from './result-history.ts';
import { isShownResultStatus } from './map-observation.ts';
import { akiFlag, type SourcedObservation } from '../rules/aki.ts';
import type { Resource } from '@medplum/fhirtypes';

/** What one source gave for the session's patient: already checked to be that patient. */
export interface SourceRecord {
  readonly patient: Patient;
  readonly reports: readonly DiagnosticReport[];
  readonly observations: readonly Observation[];
  readonly documents: readonly DocumentReference[];
  readonly flags: readonly Flag[];
  readonly riskAssessments?: readonly RiskAssessment[];
  /** Consents about sharing this patient's record (opt-out is decided before anything is built). */
  readonly consents?: readonly Consent[];
  /** Sections for which the source held more than could be fetched. */
  readonly incomplete?: readonly SectionName[];
}

export type SourceAnswer =
  | { readonly source: SourceRef; readonly status: 'ok'; readonly fetchedAt: string; readonly record: SourceRecord }
  | { readonly source: SourceRef; readonly status: 'not-found'; readonly fetchedAt: string }
  | { readonly source: SourceRef; readonly status: 'mismatch' | 'unavailable' };

function outcomeOf(answer: SourceAnswer, section: SectionName): SourceOutcome {
  switch (answer.status) {
    case 'unavailable':
    case 'mismatch':
      return { source: answer.source, status: answer.status };
    case 'not-found':
      return { source: answer.source, status: 'not-found', asOf: answer.fetchedAt };
    case 'ok': {
      const incomplete = (answer.record.incomplete ?? []).includes(section);
      return { source: answer.source, status: incomplete ? 'incomplete' : 'ok', asOf: answer.fetchedAt };
    }
  }
}

function sectionOf<T>(name: SectionName, answers: readonly SourceAnswer[], items: T[]): Section<T> {
  const sources = answers.map((a) => outcomeOf(a, name));
  const answered = answers.filter(
    (a): a is Extract<SourceAnswer, { fetchedAt: string }> => a.status === 'ok' || a.status === 'not-found',
  );
  const complete = sources.every((s) => s.status === 'ok' || s.status === 'not-found');
  const status: SectionStatus = answered.length === 0 ? 'unavailable' : complete ? 'ok' : 'partial';
  // The oldest retrieval time: the section is only as fresh as its stalest source.
  const oldest = answered.reduce<string | undefined>(
    (min, a) => (min === undefined || Date.parse(a.fetchedAt) < Date.parse(min) ? a.fetchedAt : min),
    undefined,
  );
  const asOf = oldest;
  return { status, ...(asOf ? { asOf } : {}), items: status === 'unavailable' ? [] : items, sources };
}

function resultsSection(
  answers: readonly SourceAnswer[],
  items: ResultReport[],
  history: AnalyteHistory[],
): ResultsSection {
  const section = sectionOf('results', answers, items);
  return { ...section, history: section.status === 'unavailable' ? [] : history };
}

function onlyAbout(record: SourceRecord, nhsNumber: string): SourceRecord {
  const about = aboutPatient(record.patient.id, nhsNumber);
  return {
    ...record,
    reports: record.reports.filter(about),
    observations: record.observations.filter(about),
    documents: record.documents.filter(about),
    flags: record.flags.filter(about),
    riskAssessments: (record.riskAssessments ?? []).filter(about),
  };
}

/**
 * Drops what a sensitive-data policy excludes. A report goes whole if it or any of its observations
 * is excluded, and the rest of its observations go with it, so nothing of a withheld panel shows.
 */
function withoutExcluded(record: SourceRecord, excludes: (resource: Resource) => boolean): SourceRecord {
  const excludedObservations = new Set<string | undefined>(
    record.observations.filter(excludes).flatMap((o) => (o.id ? [o.id] : [])),
  );
  const resultIds = (r: DiagnosticReport) => (r.result ?? []).map((ref) => referencedId(ref.reference, 'Observation'));
  const withheld = (r: DiagnosticReport) => excludes(r) || resultIds(r).some((id) => excludedObservations.has(id));
  const withheldObservations = new Set(record.reports.filter(withheld).flatMap(resultIds));
  return {
    patient: record.patient,
    reports: record.reports.filter((r) => !withheld(r)),
    observations: record.observations.filter((o) => !excludes(o) && !withheldObservations.has(o.id)),
    documents: record.documents.filter((d) => !excludes(d)),
    flags: record.flags.filter((f) => !excludes(f)),
    riskAssessments: (record.riskAssessments ?? []).filter((ra) => !excludes(ra)),
    ...(record.incomplete ? { incomplete: record.incomplete } : {}),
  };
}

/**
 * The summary for one patient from every source's answer (in configured source order).
 * Pure: `now` decides which flags are current; `excludes` removes sensitive items before mapping,
 * and nothing in the result says that anything was removed.
 */
export function buildSummary(
  nhsNumber: string,
  answers: readonly SourceAnswer[],
  now: Date,
  excludes: (resource: Resource) => boolean = () => false,
  /** Results dated before this are outside the window and not shown (undated ones are kept). */
  resultsSince?: Date,
): SummaryView {
  const inWindow = (r: ResultReport) => {
    const when = Date.parse(r.effective ?? r.issued ?? '');
    return resultsSince === undefined || Number.isNaN(when) || when >= resultsSince.getTime();
  };
  const flags: FlagItem[] = [];
  const candidates: ReportCandidate[] = [];
  const analyteOf = new WeakMap<ResultObservation, string>(); // analyte key of each mapped observation
  const letters = new Deduplicator<LetterItem>();
  const akiInputs: SourcedObservation[] = []; // AKI warning: every answered source's observations
  let banner = mapPatientBanner(nhsNumber, undefined, undefined);
  for (const answer of answers) {
    if (answer.status !== 'ok') continue;
    const { source } = answer;
    // Defence in depth: the fetch already drops entries about anyone else; so does the mapping.
    const record = withoutExcluded(onlyAbout(answer.record, nhsNumber), excludes);
    // Demographics from the first source (in configured order) that knows the patient.
    if (!banner.name && !banner.birthDate) banner = mapPatientBanner(nhsNumber, record.patient, source);
    const observationsById = new Map(record.observations.filter((o) => o.id).map((o) => [o.id as string, o]));
    const keyAnalytes = (item: ResultReport) => {
      for (const obs of item.observations) {
        const key = analyteKey(observationsById.get(obs.id)?.code);
        if (key) analyteOf.set(obs, key);
      }
    };
    const grouped = new Set<string>();
    for (const r of record.reports) {
      const item = mapDiagnosticReport(r, observationsById, source);
      if (item) {
        keyAnalytes(item);
        candidates.push({
          item,
          sameKeys: sameReportKeys(r, item),
          versionKeys: identifierKeys(r.identifier ?? []),
          versionTime: Date.parse(r.issued ?? r.meta?.lastUpdated ?? ''),
          observationIds: item.observations.map((o) => o.id),
        });
      }
      for (const ref of r.result ?? []) {
        const id = referencedId(ref.reference, 'Observation');
        if (id) grouped.add(id);
      }
    }
    // AKI warning: skip observations of reports that are not shown (withdrawn), as the results section does.
    const hidden = new Set(
      record.reports
        .filter((r) => !isShownResultStatus(r.status))
        .flatMap((r) => (r.result ?? []).map((ref) => referencedId(ref.reference, 'Observation'))),
    );
    for (const observation of record.observations) {
      if (!observation.id || !hidden.has(observation.id)) akiInputs.push({ source, observation });
    }
    for (const o of record.observations) {
      if (o.id && grouped.has(o.id)) continue;
      const item = mapStandaloneObservation(o, source);
      if (!item) continue;
      keyAnalytes(item);
      candidates.push({
        item,
        sameKeys: sameReportKeys(o, item),
        versionKeys: identifierKeys(o.identifier ?? []),
        versionTime: Date.parse(o.issued ?? o.meta?.lastUpdated ?? ''),
        observationIds: item.observations.map((obs) => obs.id),
      });
    }
    for (const d of record.documents) {
      const item = mapDocumentReference(d, source);
      if (item) letters.add(item, sameLetterKeys(d, item));
    }
    for (const f of record.flags) {
      const item = mapFlag(f, source, now);
      if (item) flags.push(item);
    }
    for (const ra of record.riskAssessments ?? []) {
      const item = mapRiskAssessment(ra, source);
      if (item) flags.push(item);
    }
  }
  // A report replaced by a later version (same laboratory identifier) shows only in its analytes'
  // history, and its values take no part in the AKI warning.
  const { current, superseded } = splitSuperseded(candidates);
  const reports = new Deduplicator<ResultReport>();
  for (const c of current) reports.add(c.item, c.sameKeys);
  const replacedObservations = new Set(
    superseded.flatMap((c) => c.observationIds.map((id) => `${c.item.source.id}|${id}`)),
  );
  const akiCurrent = akiInputs.filter((i) => !replacedObservations.has(`${i.source.id}|${i.observation.id}`));
  const { reports: shownReports, history } = withHistory(
    reports.items.filter(inWindow).sort(compareReportsNewestFirst),
    superseded.map((c) => c.item).filter(inWindow),
    (obs) => analyteOf.get(obs),
  );
  // AKI warning (rules/aki.ts): the laboratory's stage, or one computed across all sources' creatinine results.
  const aki = akiFlag(akiCurrent, { now, ...(banner.birthDate ? { birthDate: banner.birthDate } : {}) });
  if (aki) flags.push(aki);
  return {
    kind: 'summary',
    patient: banner,
    flags: sectionOf('flags', answers, flags.sort(compareFlags)),
    results: resultsSection(answers, shownReports, history),
    letters: sectionOf('letters', answers, letters.items.sort(compareLettersNewestFirst)),
    generatedAt: now.toISOString(),
  };
}
