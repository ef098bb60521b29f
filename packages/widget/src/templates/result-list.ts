import { html, nothing, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { resultValueText } from '@care-sidebar/shared';
import type {
  AnalyteHistory,
  Interpretation,
  ResultObservation,
  ResultReport,
  ResultStatus,
} from '@care-sidebar/shared';
import { formatDateTime } from '../format.ts';
import { metaLine } from './meta-line.ts';

export interface ResultListInput {
  /** Analyte histories by `ResultObservation.historyKey`. */
  readonly history: ReadonlyMap<string, AnalyteHistory>;
  /** The rows whose history is open, by `historyRowKey`; a new set whenever one opens or closes. */
  readonly expanded: ReadonlySet<string>;
  /** Whether the history's code has arrived: a change redraws the open histories. */
  readonly historyState: 'loading' | 'ready' | 'failed';
  readonly onToggleHistory: (rowKey: string) => void;
  /** Draws an open history (loaded lazily: a placeholder until its code has arrived). */
  readonly renderHistory: (history: AnalyteHistory) => TemplateResult;
  /** How many reports to render now: a long list is drawn a slice at a time (see ProgressiveCount). */
  readonly shown: number;
}

/** A result row's identity for its open/closed history: the report and the observation within it. */
const historyRowKey = (report: ResultReport, obs: ResultObservation): string => `${report.id}\u0000${obs.id}`;

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

function historyToggle(
  rowKey: string,
  panelId: string,
  name: string,
  history: AnalyteHistory,
  input: ResultListInput,
): TemplateResult {
  const open = input.expanded.has(rowKey);
  return html`<button
    type="button"
    class="history-toggle"
    aria-expanded=${open ? 'true' : 'false'}
    aria-controls=${panelId}
    @click=${() => input.onToggleHistory(rowKey)}
  >
    ${open ? 'Hide history' : `History (${history.points.length})`}<span class="visually-hidden"> of ${name}</span>
  </button>`;
}

function observationRow(
  report: ResultReport,
  obs: ResultObservation,
  panelId: string,
  input: ResultListInput,
): TemplateResult {
  const abnormal = obs.interpretation?.abnormal === true;
  const rowKey = historyRowKey(report, obs);
  const history = obs.historyKey === undefined ? undefined : input.history.get(obs.historyKey);
  return html`
    <li
      class="observation"
      data-abnormal=${abnormal ? 'true' : 'false'}
      data-critical=${obs.interpretation?.critical ? 'true' : 'false'}
    >
      <span class="observation-name">${obs.name.display}</span>
      <span class="observation-value">${obs.value ? resultValueText(obs.value) : 'No value'}</span>
      ${interpretationMarker(obs.interpretation)} ${statusBadge(obs.status)}
      ${obs.referenceRange ? html`<span class="range">Range ${obs.referenceRange}</span>` : nothing}
      ${history ? historyToggle(rowKey, panelId, obs.name.display, history, input) : nothing}
      ${history && input.expanded.has(rowKey) ? html`<div class="history-panel" id=${panelId}>${input.renderHistory(history)}</div>` : nothing}
    </li>
  `;
}

function reportItem(report: ResultReport, index: number, input: ResultListInput): TemplateResult {
  const when = report.effective ?? report.issued;
  return html`
    <li part="result" class="report" data-status=${report.status}>
      <h3 class="report-name">${report.name.display} ${statusBadge(report.status)}</h3>
      ${metaLine([when && formatDateTime(when), report.source.name, report.performer])}
      ${
        report.observations.length
          ? html`<ul class="observations" role="list">
              ${report.observations.map((obs, i) => observationRow(report, obs, `history-${index}-${i}`, input))}
            </ul>`
          : nothing
      }
      ${report.conclusion ? html`<p class="conclusion">${report.conclusion}</p>` : nothing}
    </li>
  `;
}

/** Reports per page: the list is drawn, and redrawn, a page at a time. */
export const RESULTS_PAGE_SIZE = 25;

const pagesOf = new WeakMap<readonly ResultReport[], readonly (readonly ResultReport[])[]>();

function pages(reports: readonly ResultReport[]): readonly (readonly ResultReport[])[] {
  let split = pagesOf.get(reports);
  if (!split) {
    const out: ResultReport[][] = [];
    for (let i = 0; i < reports.length; i += RESULTS_PAGE_SIZE) out.push(reports.slice(i, i + RESULTS_PAGE_SIZE));
    split = out;
    pagesOf.set(reports, split);
  }
  return split;
}

/**
 * Newest first; only the pages holding the first `input.shown` reports are in the DOM. Each page is
 * redrawn only when its reports, the open histories or the history's code change (guard), so adding
 * a page to a long list costs that page alone.
 */
export function resultList(reports: readonly ResultReport[], input: ResultListInput): TemplateResult {
  const shownPages = pages(reports).slice(0, Math.ceil(Math.min(input.shown, reports.length) / RESULTS_PAGE_SIZE));
  return html`<ul class="items" role="list">
    ${repeat(
      shownPages,
      (_, p) => p,
      (page, p) =>
        guard([page, input.expanded, input.historyState], () =>
          page.map((r, i) => reportItem(r, p * RESULTS_PAGE_SIZE + i, input)),
        ),
    )}
  </ul>`;
}
