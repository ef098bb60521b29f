import { html, nothing, type TemplateResult } from 'lit';
import { formatNhsNumber } from '@care-sidebar/shared';
import type { PatientBanner, PatientName } from '@care-sidebar/shared';
import { formatAge, formatDate } from '../format.ts';

export interface PatientBannerInput {
  /** The session's patient; absent until the BFF has answered the launch. */
  readonly nhsNumber?: string;
  /** Demographics from the summary, already checked to belong to `nhsNumber`. */
  readonly patient?: PatientBanner;
  /** Whether demographics are still on their way (draws placeholders instead of nothing). */
  readonly loading: boolean;
  readonly now: Date;
}

/** NHS patient banner convention: "FAMILY, Given (Title)". */
export function displayName(name: PatientName): string {
  const family = name.family?.toLocaleUpperCase('en-GB');
  const given = name.given.join(' ');
  const prefix = name.prefix?.length ? ` (${name.prefix.join(' ')})` : '';
  const core = family && given ? `${family}, ${given}` : (family ?? given);
  return core ? `${core}${prefix}` : '';
}

function born(birthDate: string, now: Date): string {
  const age = formatAge(birthDate, now);
  return `Born ${formatDate(birthDate)}${age ? ` (${age})` : ''}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('en-GB') + text.slice(1);
}

export function patientBanner({ nhsNumber, patient, loading, now }: PatientBannerInput): TemplateResult {
  const name = patient?.name ? displayName(patient.name) : '';
  return html`
    <header part="banner" class="banner" aria-label="Patient" aria-busy=${loading ? 'true' : 'false'}>
      ${
        name
          ? html`<p class="patient-name">${name}</p>`
          : loading
            ? html`<p class="skeleton skeleton-name" aria-hidden="true"></p>`
            : nothing
      }
      <p class="identifiers">
        ${patient?.birthDate ? html`<span class="born">${born(patient.birthDate, now)}</span>` : nothing}
        ${patient?.gender ? html`<span class="gender">${capitalise(patient.gender)}</span>` : nothing}
        ${
          nhsNumber
            ? html`<span class="nhs">NHS No. <span class="nhs-number">${formatNhsNumber(nhsNumber)}</span></span>`
            : html`<span class="skeleton skeleton-text" aria-hidden="true"></span>`
        }
      </p>
    </header>
  `;
}
