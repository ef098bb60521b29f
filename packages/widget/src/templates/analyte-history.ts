import { html, nothing, type TemplateResult } from 'lit';
import { resultValueText } from '@care-sidebar/shared';
import type { AnalyteHistory, HistoryPoint } from '@care-sidebar/shared';
import { formatDateTime } from '../format.ts';
import { sparkline } from './sparkline.ts';

function pointRow(point: HistoryPoint): TemplateResult {
  const abnormal = point.interpretation?.abnormal === true;
  return html`<tr data-superseded=${point.superseded ? 'true' : 'false'} data-abnormal=${abnormal ? 'true' : 'false'}>
    <td>${formatDateTime(point.at)}</td>
    <td>
      ${point.superseded ? html`<s>${resultValueText(point.value)}</s>` : resultValueText(point.value)}
      ${abnormal ? html`<span class="history-flag">${point.interpretation?.display || 'Abnormal'}</span>` : nothing}
      ${point.superseded ? html`<span class="history-superseded">Replaced by a later version</span>` : nothing}
      ${point.status === 'preliminary' && !point.superseded ? html`<span class="history-flag">Preliminary</span>` : nothing}
    </td>
    <td>${point.source.name}</td>
  </tr>`;
}

/**
 * Every value of one analyte, newest first, with a trend line of the current numeric values. A value
 * a later version of its report replaced is listed struck through and labelled, and never plotted.
 */
export function analyteHistory(history: AnalyteHistory): TemplateResult {
  return html`<div class="history">
    ${sparkline(history.name.display, history.points)}
    <table class="history-table">
      <caption class="visually-hidden">
        ${history.name.display}: every result, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Value</th>
          <th scope="col">Source</th>
        </tr>
      </thead>
      <tbody>
        ${history.points.map(pointRow)}
      </tbody>
    </table>
  </div>`;
}
