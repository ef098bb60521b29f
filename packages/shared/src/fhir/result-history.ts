import type { CodeableConcept } from '@medplum/fhirtypes';
import type {
  AnalyteHistory,
  HistoryPoint,
  ResultObservation,
  ResultReport,
  ResultStatus,
  ResultValue,
} from '../view-models.ts';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

/**
 * The key that says two results measure the same analyte: the LOINC code, else the SNOMED CT code,
 * else the source's own system and code. A result with no coded name has no history: matching on
 * display text could join different tests ("Sodium" in serum and in urine).
 */
export function analyteKey(code: CodeableConcept | undefined): string | undefined {
  const codings = (code?.coding ?? []).filter((c) => c.system?.trim() && c.code?.trim());
  const chosen = codings.find((c) => c.system === LOINC) ?? codings.find((c) => c.system === SNOMED) ?? codings[0];
  return chosen ? `${chosen.system}|${chosen.code}` : undefined;
}

/** A mapped report with what is needed to tell versions apart and to place its values in history. */
export interface ReportCandidate {
  readonly item: ResultReport;
  /** Keys for the same-item check (identifiers first, then content). */
  readonly sameKeys: readonly string[];
  /** The laboratory's identifiers of the report: a newer report with one of them replaces this one. */
  readonly versionKeys: readonly string[];
  /** When this version was issued, else last updated (ms since epoch); NaN when unknown. */
  readonly versionTime: number;
  /** Raw Observation ids (at the item's source) whose values the item shows. */
  readonly observationIds: readonly string[];
}

// An amendment or correction replaces a final report, which replaces a preliminary one.
const STATUS_RANK: Readonly<Record<ResultStatus, number>> = { preliminary: 0, final: 1, amended: 2, corrected: 2 };

/** Positive when `a` is a later version than `b`; 0 when they cannot be told apart. */
function compareVersions(a: ReportCandidate, b: ReportCandidate): number {
  const ta = Number.isNaN(a.versionTime) ? -Infinity : a.versionTime;
  const tb = Number.isNaN(b.versionTime) ? -Infinity : b.versionTime;
  if (ta !== tb) return ta > tb ? 1 : -1;
  return STATUS_RANK[a.item.status] - STATUS_RANK[b.item.status];
}

/**
 * Splits reports into the current ones and those a later version replaced (a report with the same
 * laboratory identifier, issued later or with a later status). Versions that cannot be told apart
 * are all kept as current; the same-item check then shows them once.
 */
export function splitSuperseded(candidates: readonly ReportCandidate[]): {
  current: ReportCandidate[];
  superseded: ReportCandidate[];
} {
  const latest = new Map<string, ReportCandidate>();
  for (const c of candidates) {
    for (const key of c.versionKeys) {
      const seen = latest.get(key);
      if (!seen || compareVersions(c, seen) > 0) latest.set(key, c);
    }
  }
  const current: ReportCandidate[] = [];
  const superseded: ReportCandidate[] = [];
  for (const c of candidates) {
    const replaced = c.versionKeys.some((key) => {
      const newest = latest.get(key);
      return newest !== undefined && newest !== c && compareVersions(newest, c) > 0;
    });
    (replaced ? superseded : current).push(c);
  }
  return { current, superseded };
}

function valueKey(value: ResultValue): string {
  switch (value.kind) {
    case 'quantity':
      return `q|${value.comparator ?? ''}${value.value}|${value.unit ?? ''}`;
    case 'text':
      return `t|${value.text}`;
    case 'coded':
      return `c|${value.concept.code ?? value.concept.display}`;
  }
}

/**
 * The history of every analyte with more than one dated value, from the reports shown and the
 * values later versions replaced, newest first; and the reports again, with `historyKey` set on
 * each observation that has such a history. `keyOf` gives an observation's analyte key.
 */
export function withHistory(
  shown: readonly ResultReport[],
  replaced: readonly ResultReport[],
  keyOf: (observation: ResultObservation) => string | undefined,
): { reports: ResultReport[]; history: AnalyteHistory[] } {
  const byKey = new Map<string, { name: ResultObservation['name']; points: HistoryPoint[]; seen: Set<string> }>();
  const add = (report: ResultReport, superseded: boolean) => {
    for (const obs of report.observations) {
      const key = keyOf(obs);
      const at = obs.effective ?? report.effective ?? obs.issued ?? report.issued;
      if (!key || !obs.value || !at || Number.isNaN(Date.parse(at))) continue;
      const entry = byKey.get(key) ?? { name: obs.name, points: [], seen: new Set<string>() };
      byKey.set(key, entry);
      // The same value at the same time (a second source, or a re-sent version) is one point.
      const pointKey = `${Date.parse(at)}|${valueKey(obs.value)}|${superseded}`;
      if (entry.seen.has(pointKey)) continue;
      entry.seen.add(pointKey);
      entry.points.push({
        at,
        value: obs.value,
        ...(obs.interpretation ? { interpretation: obs.interpretation } : {}),
        status: obs.status,
        source: report.source,
        reportId: report.id,
        ...(superseded ? { superseded: true as const } : {}),
      });
    }
  };
  for (const r of shown) add(r, false);
  for (const r of replaced) add(r, true);

  const history: AnalyteHistory[] = [];
  for (const [key, entry] of byKey) {
    if (entry.points.length < 2) continue;
    const points = entry.points.sort(
      (a, b) => Date.parse(b.at) - Date.parse(a.at) || Number(!!a.superseded) - Number(!!b.superseded),
    );
    history.push({ key, name: entry.name, points });
  }
  const withKey = new Set(history.map((h) => h.key));
  const reports = shown.map((report) => {
    if (!report.observations.some((o) => withKey.has(keyOf(o) ?? ''))) return report;
    return {
      ...report,
      observations: report.observations.map((o) => {
        const key = keyOf(o);
        return key && withKey.has(key) ? { ...o, historyKey: key } : o;
      }),
    };
  });
  return { reports, history };
}
