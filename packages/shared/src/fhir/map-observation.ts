import type { Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import type { ResultComponent, ResultObservation, ResultStatus, ResultValue } from '../view-models.ts';
import { conceptText, toCodedConcept } from './codeable-concept.ts';
import { decimalText } from './decimal-text.ts';
import { deriveInterpretation, mapInterpretation } from './interpretation.ts';
import { resultValueText } from '../result-value-text.ts';

/** Statuses whose values may be shown; everything else (registered, cancelled, entered-in-error, unknown) never is. */
const SHOWN_STATUSES: ReadonlySet<string> = new Set<ResultStatus>(['final', 'amended', 'corrected', 'preliminary']);

export function isShownResultStatus(status: string | undefined): status is ResultStatus {
  return status !== undefined && SHOWN_STATUSES.has(status);
}

function quantityUnit(q: Quantity): string | undefined {
  // UCUM `code` is machine-readable; `unit` is the human form the lab chose. Prefer what a person reads.
  return q.unit?.trim() || q.code?.trim() || undefined;
}

type ValueCarrier = Pick<
  Observation,
  'valueQuantity' | 'valueString' | 'valueInteger' | 'valueBoolean' | 'valueCodeableConcept'
>;

function mapValue(obs: ValueCarrier): ResultValue | undefined {
  const q = obs.valueQuantity;
  if (q?.value !== undefined && Number.isFinite(q.value)) {
    const unit = quantityUnit(q);
    const text = decimalText(q);
    return {
      kind: 'quantity',
      value: q.value,
      ...(unit ? { unit } : {}),
      ...(q.comparator ? { comparator: q.comparator } : {}),
      ...(text ? { text } : {}),
    };
  }
  if (obs.valueString?.trim()) return { kind: 'text', text: obs.valueString.trim() };
  if (obs.valueInteger !== undefined) return { kind: 'quantity', value: obs.valueInteger };
  if (obs.valueBoolean !== undefined) return { kind: 'text', text: obs.valueBoolean ? 'Yes' : 'No' };
  const concept = toCodedConcept(obs.valueCodeableConcept);
  if (concept) return { kind: 'coded', concept };
  return undefined;
}

function formatRange(range: ObservationReferenceRange | undefined): string | undefined {
  if (!range) return undefined;
  if (range.text?.trim()) return range.text.trim();
  const low = range.low?.value === undefined ? undefined : (decimalText(range.low) ?? range.low.value);
  const high = range.high?.value === undefined ? undefined : (decimalText(range.high) ?? range.high.value);
  const unit = (range.high && quantityUnit(range.high)) ?? (range.low && quantityUnit(range.low));
  const suffix = unit ? ` ${unit}` : '';
  if (low !== undefined && high !== undefined) return `${low}–${high}${suffix}`;
  if (high !== undefined) return `≤ ${high}${suffix}`;
  if (low !== undefined) return `≥ ${low}${suffix}`;
  return undefined;
}

function valueText(value: ResultValue | undefined): string {
  return value ? resultValueText(value) : '—';
}

function mapComponents(obs: Observation): ResultComponent[] {
  return (obs.component ?? []).flatMap((c) => {
    const name = toCodedConcept(c.code);
    if (!name) return [];
    const value = mapValue(c);
    const interpretation =
      mapInterpretation(c.interpretation) ?? deriveInterpretation(c.valueQuantity, c.referenceRange);
    const referenceRange = formatRange(c.referenceRange?.[0]);
    return [
      {
        name,
        ...(value ? { value } : {}),
        ...(referenceRange ? { referenceRange } : {}),
        ...(interpretation ? { interpretation } : {}),
      },
    ];
  });
}

/**
 * One Observation as a result line, or undefined when it must not be shown
 * (withdrawn status, no name, nothing to show). Never throws.
 */
export function mapObservation(obs: Observation): ResultObservation | undefined {
  if (!obs.id || !isShownResultStatus(obs.status)) return undefined;
  const name = toCodedConcept(obs.code);
  if (!name) return undefined;
  const components = mapComponents(obs);
  // A multi-part result without a value of its own is summarised from its parts, so it always shows.
  const value =
    mapValue(obs) ??
    (components.length
      ? { kind: 'text' as const, text: components.map((c) => `${c.name.display} ${valueText(c.value)}`).join('; ') }
      : undefined);
  const abnormalPart = components.map((c) => c.interpretation).find((i) => i?.abnormal);
  const interpretation =
    mapInterpretation(obs.interpretation) ??
    deriveInterpretation(obs.valueQuantity, obs.referenceRange) ??
    (abnormalPart ? { ...abnormalPart, display: `${abnormalPart.display} (part of result)` } : undefined);
  const referenceRange = formatRange(obs.referenceRange?.[0]);
  const effective = obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? obs.effectiveInstant;
  // An observation with neither a value nor an interpretation is noise, unless it says why (dataAbsentReason).
  const absent = conceptText(obs.dataAbsentReason);
  const shownValue: ResultValue | undefined = value ?? (absent ? { kind: 'text', text: absent } : undefined);
  if (!shownValue && !interpretation) return undefined;
  return {
    id: obs.id,
    name,
    status: obs.status,
    ...(shownValue ? { value: shownValue } : {}),
    ...(referenceRange ? { referenceRange } : {}),
    ...(interpretation ? { interpretation } : {}),
    ...(effective ? { effective } : {}),
    ...(obs.issued ? { issued: obs.issued } : {}),
    ...(components.length ? { components } : {}),
  };
}
