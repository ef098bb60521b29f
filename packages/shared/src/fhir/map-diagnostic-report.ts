import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import type { ResultObservation, ResultReport, SourceRef } from '../view-models.ts';
import { referenceDisplay, referencedId, toCodedConcept } from './codeable-concept.ts';
import { isShownResultStatus, mapObservation } from './map-observation.ts';

/**
 * A report with its observations, looked up by id among what the source returned.
 * Returns undefined for withdrawn reports and reports with nothing to show. Never throws.
 */
const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
// HL7 v2 table 0074 diagnostic service sections that are not laboratory work (imaging, cardiology,
// physiology, therapies). Reports only in these sections are not lab results; anything else,
// including a report with no category, is kept rather than silently hidden.
const NOT_LABORATORY: ReadonlySet<string> = new Set([
  'RAD',
  'CT',
  'CUS',
  'EC',
  'EN',
  'NMR',
  'NMS',
  'OUS',
  'RUS',
  'VUS',
  'XRC',
  'CTH',
  'CG',
  'PF',
  'PHY',
  'PT',
  'RT',
  'OT',
  'RX',
  'ICU',
  'GE',
]);

/** True unless every category the report carries is a non-laboratory service section. */
export function isLaboratoryReport(report: DiagnosticReport): boolean {
  const codings = (report.category ?? []).flatMap((c) => c.coding ?? []);
  if (codings.length === 0) return true;
  return !codings.every((c) => c.system === V2_0074 && c.code !== undefined && NOT_LABORATORY.has(c.code));
}

export function mapDiagnosticReport(
  report: DiagnosticReport,
  observationsById: ReadonlyMap<string, Observation>,
  source: SourceRef,
): ResultReport | undefined {
  if (!report.id || !isShownResultStatus(report.status) || !isLaboratoryReport(report)) return undefined;
  const name = toCodedConcept(report.code);
  if (!name) return undefined;
  const observations: ResultObservation[] = [];
  for (const ref of report.result ?? []) {
    const id = referencedId(ref.reference, 'Observation');
    const obs = id === undefined ? undefined : observationsById.get(id);
    const mapped = obs && mapObservation(obs);
    if (mapped) observations.push(mapped);
  }
  const conclusion = report.conclusion?.trim();
  if (observations.length === 0 && !conclusion) return undefined;
  const effective = report.effectiveDateTime ?? report.effectivePeriod?.start;
  const performer = report.performer?.map(referenceDisplay).find((d) => d !== undefined);
  return {
    id: `${source.id}:${report.id}`,
    source,
    name,
    status: report.status,
    ...(effective ? { effective } : {}),
    ...(report.issued ? { issued: report.issued } : {}),
    ...(performer ? { performer } : {}),
    ...(conclusion ? { conclusion } : {}),
    observations,
  };
}

/**
 * A laboratory Observation that no report groups, shown as a report of its own so it is not lost.
 * Never throws; undefined when the observation must not be shown.
 */
export function mapStandaloneObservation(obs: Observation, source: SourceRef): ResultReport | undefined {
  const mapped = mapObservation(obs);
  if (!mapped) return undefined;
  const performer = obs.performer?.map(referenceDisplay).find((d) => d !== undefined);
  return {
    id: `${source.id}:Observation/${mapped.id}`,
    source,
    name: mapped.name,
    status: mapped.status,
    ...(mapped.effective ? { effective: mapped.effective } : {}),
    ...(mapped.issued ? { issued: mapped.issued } : {}),
    ...(performer ? { performer } : {}),
    observations: [mapped],
  };
}

/** Newest first by clinically relevant time (effective, else issued); undated last. */
export function compareReportsNewestFirst(a: ResultReport, b: ResultReport): number {
  const ta = Date.parse(a.effective ?? a.issued ?? '') || 0;
  const tb = Date.parse(b.effective ?? b.issued ?? '') || 0;
  return tb - ta;
}
