import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { SummaryView } from '@care-sidebar/shared';
import styles from './care-sidebar.styles.ts';
import { SummaryController, type SummaryState } from './controllers/summary-controller.ts';
import { errorMessage, SESSION_ENDED_MESSAGE } from './messages.ts';
import { patientBanner } from './templates/patient-banner.ts';
import { sectionFrame, type SectionCopy } from './templates/section-frame.ts';
import { flagList } from './templates/flag-list.ts';
import { resultList } from './templates/result-list.ts';
import { letterList } from './templates/letter-list.ts';

const FLAGS: SectionCopy = { name: 'flags', heading: 'Risk flags', noun: 'risk flags' };
const RESULTS: SectionCopy = { name: 'results', heading: 'Results', noun: 'results' };
const LETTERS: SectionCopy = { name: 'letters', heading: 'Letters', noun: 'letters' };

/**
 * Shows a GP what the hospital knows about the patient open in their clinical system.
 *
 * @attr bff-url - base URL of the care-sidebar BFF
 * @attr launch - the signed launch JWT from the host; a new value means a new patient
 *
 * @fires care-sidebar-ready - the summary for the current launch is on screen
 * @fires care-sidebar-error - the record could not be shown; carries `code`
 * @fires care-sidebar-session-expired - the session ended and everything shown was cleared
 *
 * @csspart banner - the patient banner
 * @csspart section - each of risk flags, results, letters
 * @csspart flag - one risk flag
 * @csspart result - one result report (panel)
 * @csspart letter - one letter
 *
 * @cssproperty --care-sidebar-font-family
 * @cssproperty --care-sidebar-text-color
 * @cssproperty --care-sidebar-secondary-text-color
 * @cssproperty --care-sidebar-background
 * @cssproperty --care-sidebar-surface-color
 * @cssproperty --care-sidebar-border-color
 * @cssproperty --care-sidebar-banner-background
 * @cssproperty --care-sidebar-banner-text-color
 * @cssproperty --care-sidebar-abnormal-color
 * @cssproperty --care-sidebar-critical-background
 * @cssproperty --care-sidebar-critical-text-color
 * @cssproperty --care-sidebar-warning-background
 * @cssproperty --care-sidebar-warning-border-color
 */
export class CareSidebar extends LitElement {
  static override styles = styles;

  // `static properties` rather than decorators: Vite 8's transformer does not lower standard decorators.
  static override properties = {
    bffUrl: { attribute: 'bff-url' },
    launch: {},
  };

  declare bffUrl: string;
  declare launch: string;

  readonly #summary = new SummaryController(this);

  constructor() {
    super();
    this.bffUrl = '';
    this.launch = '';
  }

  /** Fetches the summary again with the current session (no new launch needed). */
  refresh(): void {
    this.#summary.refresh();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // In willUpdate, not updated: the cleared state must be drawn by this same render.
    if (changed.has('launch') || changed.has('bffUrl')) this.#summary.load(this.bffUrl, this.launch);
  }

  protected override render(): TemplateResult {
    const state = this.#summary.state;
    return html`
      <p class="visually-hidden" role="status" aria-live="polite">${announcement(state)}</p>
      ${this.#body(state)}
    `;
  }

  #body(state: SummaryState): TemplateResult | typeof nothing {
    const now = new Date();
    switch (state.phase) {
      case 'idle':
        return nothing;
      case 'loading':
        return html`
          ${patientBanner({ ...(state.nhsNumber ? { nhsNumber: state.nhsNumber } : {}), loading: true, now })}
          ${sectionFrame(FLAGS, undefined, flagList)} ${sectionFrame(RESULTS, undefined, resultList)}
          ${sectionFrame(LETTERS, undefined, letterList)}
        `;
      case 'failed':
        return html`<p class="notice error" data-kind="error">${errorMessage(state.code)}</p>`;
      case 'session-ended':
        return html`<p class="notice error" data-kind="session-ended">${SESSION_ENDED_MESSAGE}</p>`;
      case 'loaded': {
        const { summary, nhsNumber } = state;
        if (summary.kind === 'opted-out') {
          return html`
            ${patientBanner({ nhsNumber, loading: false, now })}
            <p class="notice opted-out" data-kind="opted-out">
              This patient has opted out of sharing their record. No hospital information can be shown.
            </p>
          `;
        }
        return html`${patientBanner({ nhsNumber, patient: summary.patient, loading: false, now })} ${sections(summary)}`;
      }
    }
  }
}

// Risk flags first, then results, then letters (DESIGN §1).
function sections(summary: SummaryView): TemplateResult {
  return html`
    ${sectionFrame(FLAGS, summary.flags, flagList)} ${sectionFrame(RESULTS, summary.results, resultList)}
    ${sectionFrame(LETTERS, summary.letters, letterList)}
  `;
}

/** What the polite live region says, so screen-reader users hear loading finish or fail. */
function announcement(state: SummaryState): string {
  switch (state.phase) {
    case 'idle':
      return '';
    case 'loading':
      return 'Loading hospital record';
    case 'loaded':
      return state.summary.kind === 'opted-out'
        ? 'This patient has opted out of sharing their record'
        : 'Hospital record loaded';
    case 'failed':
      return errorMessage(state.code);
    case 'session-ended':
      return SESSION_ENDED_MESSAGE;
  }
}
