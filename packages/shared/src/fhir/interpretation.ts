import type { CodeableConcept, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import type { Interpretation } from '../view-models.ts';

export const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

// v3 ObservationInterpretation (http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation):
// codes that mean "outside normal", and the panic subset.
const KNOWN = new Map<string, { display: string; abnormal: boolean; critical: boolean }>(
  Object.entries({
    N: { display: 'Normal', abnormal: false, critical: false },
    H: { display: 'High', abnormal: true, critical: false },
    L: { display: 'Low', abnormal: true, critical: false },
    HH: { display: 'Critically high', abnormal: true, critical: true },
    LL: { display: 'Critically low', abnormal: true, critical: true },
    HU: { display: 'Significantly high', abnormal: true, critical: false },
    LU: { display: 'Significantly low', abnormal: true, critical: false },
    A: { display: 'Abnormal', abnormal: true, critical: false },
    AA: { display: 'Critically abnormal', abnormal: true, critical: true },
    '>': { display: 'Above measurable range', abnormal: true, critical: false },
    '<': { display: 'Below measurable range', abnormal: true, critical: false },
    POS: { display: 'Positive', abnormal: true, critical: false },
    DET: { display: 'Detected', abnormal: true, critical: false },
    NEG: { display: 'Negative', abnormal: false, critical: false },
    ND: { display: 'Not detected', abnormal: false, critical: false },
  }),
);

/** The source's interpretation, when it sent one in the v3 code system (or an unknown code, shown as sent). */
export function mapInterpretation(concepts: readonly CodeableConcept[] | undefined): Interpretation | undefined {
  for (const concept of concepts ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system !== V3_INTERPRETATION || !coding.code) continue;
      const known = KNOWN.get(coding.code);
      if (known) return { code: coding.code, ...known, computed: false };
    }
    const text = concept.text?.trim() || concept.coding?.[0]?.display?.trim() || undefined;
    const code = concept.coding?.[0]?.code;
    // An interpretation we cannot classify is shown as sent and treated as abnormal:
    // hiding a flag the laboratory raised is the worse error.
    if (text || code)
      return {
        code: code ?? 'unknown',
        display: text ?? code ?? 'See report',
        abnormal: true,
        critical: false,
        computed: false,
      };
  }
  return undefined;
}

/**
 * When the source sent no interpretation, derive High/Low from a numeric reference range
 * in the same unit. Returns undefined when that cannot be done safely.
 */
export function deriveInterpretation(
  value: Quantity | undefined,
  ranges: readonly ObservationReferenceRange[] | undefined,
): Interpretation | undefined {
  if (value?.value === undefined || value.comparator !== undefined) return undefined;
  const range = ranges?.find((r) => r.low !== undefined || r.high !== undefined);
  if (!range) return undefined;
  const sameUnit = (q: Quantity | undefined): boolean =>
    q === undefined || q.value === undefined || (q.code ?? q.unit) === (value.code ?? value.unit);
  if (!sameUnit(range.low) || !sameUnit(range.high)) return undefined;
  if (range.high?.value !== undefined && value.value > range.high.value) {
    return { code: 'H', display: 'High', abnormal: true, critical: false, computed: true };
  }
  if (range.low?.value !== undefined && value.value < range.low.value) {
    return { code: 'L', display: 'Low', abnormal: true, critical: false, computed: true };
  }
  return undefined;
}
