import { html, nothing, type TemplateResult } from 'lit';
import type { Section, SectionName, SourceOutcome } from '@care-sidebar/shared';
import { formatAgo, formatDateTime } from '../format.ts';

export interface SectionCopy {
  readonly name: SectionName;
  /** "Results" */
  readonly heading: string;
  /** "results", as in "No results from Hospital A". */
  readonly noun: string;
}

const names = (sources: readonly SourceOutcome[]): string => sources.map((s) => s.source.name).join(', ');

/**
 * Why the list may be short or empty, in words a GP can act on. An empty list is claimed as
 * "no results" only for the sources that actually answered: silence from a source that could
 * not be reached says nothing about the patient.
 */
export interface SectionNotice {
  readonly kind: 'warning' | 'empty';
  readonly text: string;
}

export function sectionNotices<T>(copy: SectionCopy, section: Section<T>): SectionNotice[] {
  const failed = section.sources.filter((s) => s.status === 'unavailable');
  const mismatched = section.sources.filter((s) => s.status === 'mismatch');
  const answered = section.sources.filter((s) => s.status !== 'unavailable' && s.status !== 'mismatch');
  // A record held for someone else must be named, or its absence reads as "nothing to show".
  const mismatch: SectionNotice[] = mismatched.length
    ? [
        {
          kind: 'warning',
          text: `${names(mismatched)}: the record found does not match this patient, so it is not shown`,
        },
      ]
    : [];
  if (section.status === 'unavailable') {
    if (failed.length)
      return [{ kind: 'warning', text: `${copy.heading} unavailable: could not reach ${names(failed)}` }, ...mismatch];
    return mismatch.length ? mismatch : [{ kind: 'warning', text: `${copy.heading} unavailable` }];
  }
  const notices: SectionNotice[] = [...mismatch];
  if (section.status === 'partial') {
    const incomplete = section.sources.filter((s) => s.status === 'incomplete');
    if (failed.length) {
      notices.push({ kind: 'warning', text: `${names(failed)} could not be reached; ${copy.noun} may be incomplete` });
    }
    if (incomplete.length) {
      notices.push({
        kind: 'warning',
        text: `${names(incomplete)} holds more ${copy.noun} than could be fetched; older ${copy.noun} may not be shown`,
      });
    }
    if (!failed.length && !incomplete.length && !mismatched.length) {
      notices.push({ kind: 'warning', text: `Some sources could not be reached; ${copy.noun} may be incomplete` });
    }
  }
  if (section.items.length === 0) {
    notices.push({ kind: 'empty', text: `No ${copy.noun}${answered.length ? ` from ${names(answered)}` : ''}` });
  }
  return notices;
}

export interface SectionChrome {
  /** The time "Updated 2 min ago" is counted from. */
  readonly now: Date;
  /** Fetches the summary afresh; absent while there is nothing to refresh. */
  readonly onRefresh?: (section: SectionName) => void;
}

/**
 * "Updated 2 min ago" with the exact time on hover (title) and on focus (the time is focusable and
 * shows it), and the section's refresh control.
 */
function updated(copy: SectionCopy, asOf: string | undefined, chrome: SectionChrome): TemplateResult {
  const refresh = chrome.onRefresh;
  const exact = asOf && formatDateTime(asOf);
  const ago = asOf && formatAgo(asOf, chrome.now);
  return html`<div class="as-of">
    ${
      asOf
        ? html`<p>
            Updated
            <time datetime=${asOf} title=${`Updated ${exact}`} tabindex="0"
              >${ago}${ago === exact ? nothing : html`<span class="visually-hidden exact-time"> (at ${exact})</span>`}</time
            >
          </p>`
        : nothing
    }
    ${
      refresh
        ? html`<button type="button" class="refresh" data-refresh=${copy.name} @click=${() => refresh(copy.name)}>
            Refresh<span class="visually-hidden"> ${copy.noun}</span>
          </button>`
        : nothing
    }
  </div>`;
}

/** One section: heading, age of the data, status notices, then its items (or a placeholder while loading). */
export function sectionFrame<T>(
  copy: SectionCopy,
  section: Section<T> | undefined,
  renderItems: (items: readonly T[]) => TemplateResult,
  chrome: SectionChrome = { now: new Date() },
): TemplateResult {
  const headingId = `${copy.name}-heading`;
  if (!section) {
    return html`
      <section
        part="section"
        class="section"
        data-section=${copy.name}
        data-status="loading"
        aria-labelledby=${headingId}
        aria-busy="true"
      >
        <h2 id=${headingId}>${copy.heading}</h2>
        <div class="skeleton skeleton-block" aria-hidden="true"></div>
        <div class="skeleton skeleton-block" aria-hidden="true"></div>
      </section>
    `;
  }
  const notices = sectionNotices(copy, section);
  return html`
    <section
      part="section"
      class="section"
      data-section=${copy.name}
      data-status=${section.status}
      aria-labelledby=${headingId}
    >
      <h2 id=${headingId}>${copy.heading}</h2>
      ${updated(copy, section.asOf, chrome)}
      ${notices.map((n) => html`<p class="notice" data-kind=${n.kind}>${n.kind === 'warning' ? html`<span class="icon" aria-hidden="true">⚠</span> ` : nothing}${n.text}</p>`)}
      ${section.items.length ? renderItems(section.items) : nothing}
    </section>
  `;
}
