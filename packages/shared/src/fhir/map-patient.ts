import type { HumanName, Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../nhs-number.ts';
import type { PatientBanner, PatientName, SourceRef } from '../view-models.ts';

/** True when the Patient carries exactly this NHS number as an nhs-number identifier. */
export function patientHasNhsNumber(patient: Patient, nhsNumber: string): boolean {
  return (patient.identifier ?? []).some(
    (id) => id.system === NHS_NUMBER_SYSTEM && id.value?.replace(/\s/g, '') === nhsNumber,
  );
}

// UK Core: prefer the `official` name, then `usual`, then any name without an end date.
function pickName(names: readonly HumanName[] | undefined): HumanName | undefined {
  if (!names?.length) return undefined;
  return (
    names.find((n) => n.use === 'official') ??
    names.find((n) => n.use === 'usual') ??
    names.find((n) => n.use !== 'old' && !n.period?.end) ??
    names[0]
  );
}

function mapName(name: HumanName | undefined): PatientName | undefined {
  if (!name) return undefined;
  const family = name.family?.trim();
  const given = (name.given ?? []).map((g) => g.trim()).filter(Boolean);
  const prefix = (name.prefix ?? []).map((p) => p.trim()).filter(Boolean);
  if (!family && given.length === 0) return undefined;
  return { ...(family ? { family } : {}), given, ...(prefix.length ? { prefix } : {}) };
}

/** The banner for the session's patient; `nhsNumber` always comes from the session, never the source. */
export function mapPatientBanner(
  nhsNumber: string,
  patient: Patient | undefined,
  source: SourceRef | undefined,
): PatientBanner {
  if (!patient) return { nhsNumber };
  const name = mapName(pickName(patient.name));
  return {
    nhsNumber,
    ...(name ? { name } : {}),
    ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
    ...(patient.gender ? { gender: patient.gender } : {}),
    ...(source ? { source } : {}),
  };
}
