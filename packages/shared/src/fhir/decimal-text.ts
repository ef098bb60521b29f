import type { Quantity } from '@medplum/fhirtypes';

/**
 * FHIR decimals carry their precision in their digits: `4.0` is not `4`, and `0.10` is not `0.1`
 * (https://hl7.org/fhir/R4/datatypes.html#decimal). JSON.parse keeps only the number, so the
 * BFF's FHIR client writes the source's text beside each such `value`, under this key (not a
 * FHIR name: FHIR names are letters, with `_` for a primitive's extensions).
 */
export const DECIMAL_TEXT_KEY = 'care-sidebar:decimal';

/** The quantity's value as the source wrote it, when that text says more than the number. */
export function decimalText(q: Quantity | undefined): string | undefined {
  const text = (q as Record<string, unknown> | undefined)?.[DECIMAL_TEXT_KEY];
  // Only a text that is this very number, written another way, is shown in its place.
  return typeof text === 'string' && q?.value !== undefined && Number(text) === q.value ? text : undefined;
}
