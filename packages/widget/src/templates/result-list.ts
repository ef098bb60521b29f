import { html, nothing, type TemplateResult } from 'lit';
import type { Interpretation, ResultObservation, ResultReport, ResultStatus, ResultValue } from '@care-sidebar/shared';
import { formatDateTime } from '../format.ts';
import { metaLine } from './meta-line.ts';

// A final result needs no badge; anything else must be visible before the value is read.
const STATUS_BADGE: Readonly<Record<ResultStatus, string | undefined>> = {
  final: undefined,
  preliminary: 'Preliminary',
  amended: 'Amended',
  corrected: 'Corrected',
};

// v3 ObservationInterpretation codes pointing up or down; other abnormal codes get "!".
const UP = new Set(['H', 'HH', 'HU', '>']);
const DOWN = new Set(['L', 'LL', 'LU', '<']);

export function valueText(value: ResultValue): string {
  switch (value.kind) {
    case 'quantity':
      return `${value.comparator ?? ''}${value.value}${value.unit ? ` ${value.unit}` : ''}`;
    case 'text':
      return value.text;
    case 'coded':
      return value.concept.display;
  }
}

function statusBadge(status: ResultStatus): TemplateResult | typeof nothing {
  const label = STATUS_BADGE[status];
  return label ? html`<span class="badge" data-status=${status}>${label}</span>` : nothing;
}

/**
 * Abnormal is said in words ("High", "Critically low") with an icon; colour only repeats it.
 * A flag the BFF derived from the reference range says so, since the laboratory did not raise it.
 */
function interpretationMarker(interpretation: Interpretation | undefined): TemplateResult | typeof nothing {
  if (!interpretation?.abnormal) return nothing;
  const icon = UP.has(interpretation.code) ? '▲' : DOWN.has(interpretation.code) ? '▼' : '!';
  const label = interpretation.display || 'Abnormal';
  return html`<strong
    class="interpretation"
    data-critical=${interpretation.critical ? 'true' : 'false'}
    data-computed=${interpretation.computed ? 'true' : 'false'}
    title=${interpretation.computed ? `${label}: derived from reference range` : label}
    ><span class="icon" aria-hidden="true">${interpretation.critical ? '‼' : icon}</span> ${label}${
      interpretation.computed ? html`<span class="derived"> (derived from reference range)</span>` : nothing
    }</strong
  >`;
}

function observationRow(obs: ResultObservation): TemplateResult {
  const abnormal = obs.interpretation?.abnormal === true;
  return html`
    <li
      class="observation"
      data-abnormal=${abnormal ? 'true' : 'false'}
      data-critical=${obs.interpretation?.critical ? 'true' : 'false'}
    >
      <span class="observation-name">${obs.name.display}</span>
      <span class="observation-value">${obs.value ? valueText(obs.value) : 'No value'}</span>
      ${interpretationMarker(obs.interpretation)} ${statusBadge(obs.status)}
      ${obs.referenceRange ? html`<span class="range">Range ${obs.referenceRange}</span>` : nothing}
    </li>
  `;
}

function reportItem(report: ResultReport): TemplateResult {
  const when = report.effective ?? report.issued;
  return html`
    <li part="result" class="report" data-status=${report.status}>
      <h3 class="report-name">${report.name.display} ${statusBadge(report.status)}</h3>
      ${metaLine([when && formatDateTime(when), report.source.name, report.performer])}
      ${
        report.observations.length
          ? html`<ul class="observations" role="list">
              ${report.observations.map(observationRow)}
            </ul>`
          : nothing
      }
      ${report.conclusion ? html`<p class="conclusion">${report.conclusion}</p>` : nothing}
    </li>
  `;
}

export function resultList(reports: readonly ResultReport[]): TemplateResult {
  return html`<ul class="items" role="list">
    ${reports.map(reportItem)}
  </ul>`;
}
