import type { Consent } from '@medplum/fhirtypes';

const CONSENT_SCOPE = 'http://terminology.hl7.org/CodeSystem/consentscope';
const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/**
 * True when a Consent records the patient's objection to sharing their record: active, a
 * privacy consent (scope `patient-privacy`) or an `OPTOUT` policy, whose base provision denies,
 * and in force at `now`. Research (`research`) and advance-directive (`adr`) consents, and
 * decisions about treatment, are not objections to sharing for direct care.
 * (FHIR R4 Consent: https://hl7.org/fhir/R4/consent.html)
 */
export function deniesSharing(consent: Consent, now: Date): boolean {
  if (consent.status !== 'active' || consent.provision?.type !== 'deny') return false;
  const privacy = (consent.scope?.coding ?? []).some((c) => c.system === CONSENT_SCOPE && c.code === 'patient-privacy');
  const optOutPolicy = (consent.policyRule?.coding ?? []).some((c) => c.system === V3_ACT_CODE && c.code === 'OPTOUT');
  if (!privacy && !optOutPolicy) return false;
  const start = Date.parse(consent.provision.period?.start ?? '');
  const end = Date.parse(consent.provision.period?.end ?? '');
  if (!Number.isNaN(start) && start > now.getTime()) return false;
  if (!Number.isNaN(end) && end < now.getTime()) return false;
  return true;
}

export interface OptOutInputs {
  readonly nhsNumber: string;
  /** NHS numbers on the deployment's local opt-out list. */
  readonly localOptOuts: ReadonlySet<string>;
  /** Consents from every source that answered. */
  readonly consents: readonly Consent[];
  readonly now: Date;
}

/** Opted out if on the local list or if any source holds a Consent denying sharing. */
export function isOptedOut(inputs: OptOutInputs): boolean {
  return inputs.localOptOuts.has(inputs.nhsNumber) || inputs.consents.some((c) => deniesSharing(c, inputs.now));
}
