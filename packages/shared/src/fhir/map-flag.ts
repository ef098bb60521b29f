import type { Flag } from '@medplum/fhirtypes';
import type { FlagItem, FlagSeverity, SourceRef } from '../view-models.ts';
import { conceptText } from './codeable-concept.ts';

// FHIR R4 Flag has no severity element. A `safety` category is treated as high; the
// flag-priority extension (http://hl7.org/fhir/StructureDefinition/flag-priority, PN/PL/PM/PH) is honoured when present.
const PRIORITY_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/flag-priority';
const PRIORITY_SEVERITY = new Map<string, FlagSeverity>([
  ['PH', 'high'],
  ['PM', 'medium'],
  ['PL', 'low'],
  ['PN', 'low'],
]);

/**
 * The first instant after a FHIR Period.end. A partial date ("2026", "2026-11", "2026-11-25") is
 * inclusive: the flag still applies throughout that year, month or day.
 */
function endExclusive(end: string): number {
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(end);
  if (!partial) return Date.parse(end);
  const [, y, m, d] = partial;
  const year = Number(y);
  if (m === undefined) return Date.UTC(year + 1, 0, 1);
  if (d === undefined) return Date.UTC(year, Number(m), 1);
  return Date.UTC(year, Number(m) - 1, Number(d) + 1);
}

function severityOf(flag: Flag): FlagSeverity {
  const priority = flag.extension?.find((e) => e.url === PRIORITY_EXTENSION)?.valueCodeableConcept?.coding?.[0]?.code;
  const fromPriority = priority === undefined ? undefined : PRIORITY_SEVERITY.get(priority);
  if (fromPriority) return fromPriority;
  const categories = (flag.category ?? []).flatMap((c) => c.coding ?? []).map((c) => c.code);
  if (categories.includes('safety')) return 'high';
  return 'unknown';
}

/** An active flag whose period has not ended at `now`, or undefined. Never throws. */
export function mapFlag(flag: Flag, source: SourceRef, now: Date): FlagItem | undefined {
  if (!flag.id || flag.status !== 'active') return undefined;
  const end = flag.period?.end ? endExclusive(flag.period.end) : NaN;
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
