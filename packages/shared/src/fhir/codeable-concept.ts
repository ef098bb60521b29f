import type { CodeableConcept, Reference } from '@medplum/fhirtypes';
import type { CodedConcept } from '../view-models.ts';

/** The text a person should read for a concept: its `text`, else the first coding's display. */
export function conceptText(concept: CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  const text = concept.text?.trim();
  if (text) return text;
  for (const coding of concept.coding ?? []) {
    const display = coding.display?.trim();
    if (display) return display;
  }
  return undefined;
}

/** A concept for display, keeping the first coding's system and code for traceability. */
export function toCodedConcept(concept: CodeableConcept | undefined): CodedConcept | undefined {
  const display = conceptText(concept);
  const coding = concept?.coding?.find((c) => c.code !== undefined) ?? concept?.coding?.[0];
  const fallback = coding?.code;
  const shown = display ?? fallback;
  if (shown === undefined) return undefined;
  return {
    display: shown,
    ...(coding?.system !== undefined ? { system: coding.system } : {}),
    ...(coding?.code !== undefined ? { code: coding.code } : {}),
  };
}

export function referenceDisplay(ref: Reference | undefined): string | undefined {
  return ref?.display?.trim() || undefined;
}

/**
 * The logical id a reference points at, for a given type: "Observation/123",
 * "https://server/fhir/Observation/123" and "Observation/123/_history/2" all give "123".
 */
export function referencedId(reference: string | undefined, type: string): string | undefined {
  if (!reference) return undefined;
  return referencePattern(type).exec(reference)?.[1];
}

/** One compiled pattern per resource type: a view checks thousands of references. */
const REFERENCE_PATTERNS = new Map<string, RegExp>();

function referencePattern(type: string): RegExp {
  let pattern = REFERENCE_PATTERNS.get(type);
  if (!pattern) {
    pattern = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`);
    REFERENCE_PATTERNS.set(type, pattern);
  }
  return pattern;
}
