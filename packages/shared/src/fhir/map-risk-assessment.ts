import type { RiskAssessment, RiskAssessmentPrediction } from '@medplum/fhirtypes';
import type { FlagItem, FlagSeverity, SourceRef } from '../view-models.ts';
import { conceptText, referenceDisplay } from './codeable-concept.ts';

const SHOWN: ReadonlySet<string> = new Set(['final', 'amended', 'corrected']);

// http://terminology.hl7.org/CodeSystem/risk-probability
const QUALITATIVE_SEVERITY = new Map<string, FlagSeverity>([
  ['certain', 'high'],
  ['high', 'high'],
  ['moderate', 'medium'],
  ['low', 'low'],
  ['negligible', 'low'],
]);

function severityOf(p: RiskAssessmentPrediction): FlagSeverity {
  const code = p.qualitativeRisk?.coding?.find((c) => c.code !== undefined)?.code?.toLowerCase();
  const fromCode = code === undefined ? undefined : QUALITATIVE_SEVERITY.get(code);
  if (fromCode) return fromCode;
  // Without a qualitative band, a probability alone does not say how serious the outcome is.
  return 'unknown';
}

function describe(p: RiskAssessmentPrediction): string | undefined {
  const parts: string[] = [];
  const qualitative = conceptText(p.qualitativeRisk);
  if (qualitative) parts.push(qualitative);
  if (typeof p.probabilityDecimal === 'number' && Number.isFinite(p.probabilityDecimal)) {
    const pct = p.probabilityDecimal <= 1 ? p.probabilityDecimal * 100 : p.probabilityDecimal;
    parts.push(`${Math.round(pct * 10) / 10}%`);
  }
  const when = p.whenPeriod?.end ?? p.whenRange?.high?.value;
  if (typeof when === 'number' && p.whenRange?.high?.unit) parts.push(`within ${when} ${p.whenRange.high.unit}`);
  return parts.length ? parts.join(', ') : undefined;
}

const RANK: Readonly<Record<FlagSeverity, number>> = { high: 0, medium: 1, unknown: 2, low: 3 };

/**
 * A RiskAssessment as a risk flag: its most severe prediction, with its basis as the reason.
 * Only final, amended and corrected assessments are shown. Never throws.
 */
export function mapRiskAssessment(ra: RiskAssessment, source: SourceRef): FlagItem | undefined {
  if (!ra.id || !SHOWN.has(ra.status)) return undefined;
  const predictions = [...(ra.prediction ?? [])].sort((a, b) => RANK[severityOf(a)] - RANK[severityOf(b)]);
  const top = predictions[0];
  const what = conceptText(top?.outcome) ?? conceptText(ra.code);
  if (!what) return undefined;
  const how = top ? describe(top) : undefined;
  const basis = (ra.basis ?? []).map(referenceDisplay).filter((d): d is string => d !== undefined);
  const rationale = top?.rationale?.trim();
  const reason = rationale ?? (basis.length ? `Based on ${basis.join(', ')}` : undefined);
  const method = conceptText(ra.method);
  const date = ra.occurrenceDateTime ?? ra.occurrencePeriod?.start ?? ra.meta?.lastUpdated;
  return {
    id: `${source.id}:RiskAssessment/${ra.id}`,
    source,
    computed: false,
    text: how ? `Risk of ${what.replace(/^risk of /i, '')}: ${how}` : `Risk of ${what.replace(/^risk of /i, '')}`,
    ...(reason ? { reason } : {}),
    ...(method ? { category: method } : {}),
    severity: top ? severityOf(top) : 'unknown',
    ...(date ? { date } : {}),
  };
}
