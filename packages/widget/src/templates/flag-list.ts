import { html, nothing, type TemplateResult } from 'lit';
import type { FlagItem, FlagSeverity } from '@care-sidebar/shared';
import { formatDate } from '../format.ts';
import { metaLine } from './meta-line.ts';

// Severity is said in words, with an icon; colour only repeats it.
const SEVERITY: Readonly<Record<FlagSeverity, { readonly label: string; readonly icon: string }>> = {
  high: { label: 'High risk', icon: '▲' },
  medium: { label: 'Medium risk', icon: '◆' },
  low: { label: 'Low risk', icon: '▽' },
  unknown: { label: 'Risk level not stated', icon: '•' },
};

function flagItem(flag: FlagItem): TemplateResult {
  const severity = SEVERITY[flag.severity];
  const meta = [
    flag.category,
    flag.source?.name ?? (flag.computed ? 'Computed' : undefined),
    flag.date && formatDate(flag.date),
  ];
  return html`
    <li part="flag" class="flag" data-severity=${flag.severity}>
      <p class="severity"><span class="icon" aria-hidden="true">${severity.icon}</span> ${severity.label}</p>
      <p class="flag-text">${flag.text}</p>
      ${flag.reason ? html`<p class="flag-reason">${flag.reason}</p>` : nothing} ${metaLine(meta)}
    </li>
  `;
}

export function flagList(flags: readonly FlagItem[]): TemplateResult {
  return html`<ul class="items" role="list">
    ${flags.map(flagItem)}
  </ul>`;
}
