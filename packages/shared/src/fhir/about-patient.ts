import type { Reference } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../nhs-number.ts';
import { referencedId } from './codeable-concept.ts';

/**
 * Whether a resource is about this patient: its subject is a reference to the matched Patient,
 * or a logical reference by the same NHS number. Anything else — another patient, or no subject
 * at all — is not shown under this patient's banner (wrong-patient hazard).
 */
export function aboutPatient(patientId: string | undefined, nhsNumber: string) {
  return (resource: { subject?: Reference }): boolean => {
    const subject = resource.subject;
    if (subject?.reference !== undefined) {
      return patientId !== undefined && referencedId(subject.reference, 'Patient') === patientId;
    }
    return (
      subject?.identifier?.system === NHS_NUMBER_SYSTEM && subject.identifier.value?.replace(/\s/g, '') === nhsNumber
    );
  };
}
