import type { CodeableConcept, Coding, Resource } from '@medplum/fhirtypes';

/** A code that marks information that must not be shared (a sensitive category). */
export interface CodeRef {
  readonly system: string;
  readonly code: string;
}

/** Which codes and security labels exclude an item from display. */
export interface SensitivePolicy {
  /** Matched against a resource's code, type, category, practice setting, events and coded value. */
  readonly codes: readonly CodeRef[];
  /** Matched against `meta.security` (e.g. v3-ActCode HIV, STD, SDV). */
  readonly securityLabels: readonly CodeRef[];
}

export const EMPTY_SENSITIVE_POLICY: SensitivePolicy = { codes: [], securityLabels: [] };

function key(system: string | undefined, code: string | undefined): string {
  return `${system ?? ''}|${code ?? ''}`;
}

/** Every coded concept on a resource that can say what it is about. */
function conceptsOf(resource: Resource): CodeableConcept[] {
  const r = resource as {
    code?: CodeableConcept;
    type?: CodeableConcept;
    category?: CodeableConcept | CodeableConcept[];
    valueCodeableConcept?: CodeableConcept;
    conclusionCode?: CodeableConcept[];
    context?: { practiceSetting?: CodeableConcept; event?: CodeableConcept[]; facilityType?: CodeableConcept };
  };
  const category = Array.isArray(r.category) ? r.category : r.category ? [r.category] : [];
  return [
    r.code,
    r.type,
    ...category,
    r.valueCodeableConcept,
    ...(r.conclusionCode ?? []),
    r.context?.practiceSetting,
    r.context?.facilityType,
    ...(r.context?.event ?? []),
  ].filter((c): c is CodeableConcept => c !== undefined);
}

/**
 * A compiled policy: `excludes(resource)` is true when any of the resource's codes or security
 * labels is on the list. Pure; the BFF applies it before anything reaches the browser.
 */
export function sensitiveFilter(policy: SensitivePolicy): (resource: Resource) => boolean {
  const codes = new Set(policy.codes.map((c) => key(c.system, c.code)));
  const labels = new Set(policy.securityLabels.map((c) => key(c.system, c.code)));
  if (codes.size === 0 && labels.size === 0) return () => false;
  const matches = (set: Set<string>, coding: Coding) => set.has(key(coding.system, coding.code));
  return (resource) =>
    (resource.meta?.security ?? []).some((label) => matches(labels, label)) ||
    conceptsOf(resource).some((concept) => (concept.coding ?? []).some((coding) => matches(codes, coding)));
}
