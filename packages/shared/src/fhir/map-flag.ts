import type { Flag } from '@medplum/fhirtypes';
import type { FlagItem, FlagSeverity, SourceRef } from '../view-models.ts';
import { conceptText } from './codeable-concept.ts';

// FHIR R4 Flag has no severity element. A `safety` category is treated as high; the
// flag-priority extension (http://hl7.org/fhir/StructureDefinition/flag-priority, PN/PL/PM/PH) is honoured when present.
const PRIORITY_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/flag-priority';
const PRIORITY_SEVERITY: Readonly<Record<string, FlagSeverity>> = { PH: 'high', PM: 'medium', PL: 'low', PN: 'low' };

function severityOf(flag: Flag): FlagSeverity {
  const priority = flag.extension?.find((e) => e.url === PRIORITY_EXTENSION)?.valueCodeableConcept?.coding?.[0]?.code;
  if (priority && PRIORITY_SEVERITY[priority]) return PRIORITY_SEVERITY[priority];
  const categories = (flag.category ?? []).flatMap((c) => c.coding ?? []).map((c) => c.code);
  if (categories.includes('safety')) return 'high';
  return 'unknown';
}

/** An active flag whose period has not ended at `now`, or undefined. Never throws. */
export function mapFlag(flag: Flag, source: SourceRef, now: Date): FlagItem | undefined {
  if (!flag.id || flag.status !== 'active') return undefined;
  const end = flag.period?.end ? Date.parse(flag.period.end) : NaN;
  if (!Number.isNaN(end) && end <= now.getTime()) return undefined;
  const start = flag.period?.start ? Date.parse(flag.period.start) : NaN;
  if (!Number.isNaN(start) && start > now.getTime()) return undefined;
  const text = conceptText(flag.code);
  if (!text) return undefined;
  const category = flag.category?.map(conceptText).find((c) => c !== undefined);
  const date = flag.period?.start ?? flag.meta?.lastUpdated;
  return {
    id: `${source.id}:${flag.id}`,
    source,
    computed: false,
    text,
    ...(category ? { category } : {}),
    severity: severityOf(flag),
    ...(date ? { date } : {}),
  };
}

const SEVERITY_RANK: Readonly<Record<FlagSeverity, number>> = { high: 0, medium: 1, unknown: 2, low: 3 };

/** Most severe first, then most recent. */
export function compareFlags(a: FlagItem, b: FlagItem): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (Date.parse(b.date ?? '') || 0) - (Date.parse(a.date ?? '') || 0)
  );
}
