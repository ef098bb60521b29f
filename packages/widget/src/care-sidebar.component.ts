import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { AnalyteHistory, LetterItem, SectionName, SummaryView } from '@care-sidebar/shared';
import styles from './care-sidebar.styles.ts';
import resultStyles from './results.styles.ts';
import { ProgressiveCount } from './controllers/progressive-count.ts';
import { SummaryController, type SummaryState } from './controllers/summary-controller.ts';
import { LetterController, type LetterState } from './controllers/letter-controller.ts';
import { errorMessage, letterErrorMessage, SESSION_ENDED_MESSAGE } from './messages.ts';
import { patientBanner } from './templates/patient-banner.ts';
import { sectionFrame, type SectionChrome, type SectionCopy } from './templates/section-frame.ts';
import { flagList } from './templates/flag-list.ts';
import { resultList, RESULTS_PAGE_SIZE, type ResultListInput } from './templates/result-list.ts';
import { letterList, type LetterListInput } from './templates/letter-list.ts';
import { READER_HEADING_ID } from './templates/reader-heading-id.ts';
import { LazyModule } from './controllers/lazy-module.ts';

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
 * @fires care-sidebar-letter-opened - a letter was shown in the reader or opened as a PDF in a new
 *   window; carries `letterId` only
 *
 * @csspart banner - the patient banner
 * @csspart section - each of risk flags, results, letters
 * @csspart flag - one risk flag
 * @csspart result - one result report (panel)
 * @csspart letter - one letter in the list; its title is the button that opens it
 * @csspart letter-reader - the letter reader: title, source, date, "Back to summary" and the
 *   letter (HTML in a sandboxed frame, plain text as text)
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
  static override styles = [styles, resultStyles];

  // `static properties` rather than decorators: Vite 8's transformer does not lower standard decorators.
  static override properties = {
    bffUrl: { attribute: 'bff-url' },
    launch: {},
  };

  declare bffUrl: string;
  declare launch: string;

  readonly #summary = new SummaryController(this);
  readonly #letters = new LetterController(this, (session, code) => this.#summary.sessionRejected(session, code));
  /** Whether the reader was on screen at the last render, so focus moves to it only as it opens. */
  #readerShown = false;
  // One page of reports per task (see result-list.ts): a page is the unit drawn and redrawn.
  readonly #resultsShown = new ProgressiveCount(this, RESULTS_PAGE_SIZE, RESULTS_PAGE_SIZE);
  // Not needed for the first view: loaded on first use, or once the first view is on screen.
  readonly #readerModule = new LazyModule(this, () => import('./templates/letter-reader.ts'));
  readonly #historyModule = new LazyModule(this, () => import('./templates/analyte-history.ts'));
  /** Result rows whose history is open; belongs to the current launch only. */
  #expanded: ReadonlySet<string> = new Set<string>();
  /** The histories of the summary last drawn, by key (rebuilt only when the summary changes). */
  #histories: { readonly of: SummaryView; readonly byKey: ReadonlyMap<string, AnalyteHistory> } | undefined;
  /** The section whose refresh control was used, to give it focus back once the new data is drawn. */
  #refocus: SectionName | undefined;
  /** Redraws "Updated 2 min ago" as time passes. */
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.bffUrl = '';
    this.launch = '';
  }

  /** Fetches the summary again with the current session (no new launch needed). */
  refresh(): void {
    this.#summary.refresh();
  }

  /**
   * Chromium gives a frame holding the focus no focus pseudo-class and no focus event, so the
   * letter frame's ring is driven from here: after any focus change, mark the frame if it is where
   * the focus is. (Focus leaving the frame for the host page is heard on window.)
   */
  readonly #syncFrameFocus = (): void => {
    setTimeout(() => {
      const frame = this.renderRoot.querySelector('.letter-frame');
      frame?.toggleAttribute('data-focused', this.shadowRoot?.activeElement === frame);
    });
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.#syncFrameFocus);
    this.addEventListener('focusout', this.#syncFrameFocus);
    window.addEventListener('focusin', this.#syncFrameFocus);
    this.#ticker = setInterval(() => {
      if (this.#summary.state.phase === 'loaded') this.requestUpdate();
    }, 30_000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('focusin', this.#syncFrameFocus);
    this.removeEventListener('focusout', this.#syncFrameFocus);
    window.removeEventListener('focusin', this.#syncFrameFocus);
    clearInterval(this.#ticker);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // In willUpdate, not updated: the cleared state must be drawn by this same render.
    if (changed.has('launch') || changed.has('bffUrl')) {
      this.#summary.load(this.bffUrl, this.launch);
      this.#resultsShown.reset();
      this.#expanded = new Set<string>();
      this.#histories = undefined;
      this.#refocus = undefined;
    }
    // A letter belongs to the session it was fetched with. A new launch, or a session that ended,
    // closes it (aborting its request) in this same render: no letter outlives its patient.
    const letter = this.#letters.state;
    if (letter.phase !== 'closed' && letter.session !== this.#summary.session) this.#letters.close();
  }

  protected override updated(): void {
    if (this.#refocus && this.#summary.state.phase !== 'loading') {
      const section = this.#refocus;
      this.#refocus = undefined;
      this.renderRoot.querySelector<HTMLElement>(`[data-refresh="${section}"]`)?.focus();
    }
    // Focus moves to the reader's heading as soon as it is drawn (its code may arrive after the letter).
    const heading = this.#reading() && this.renderRoot.querySelector<HTMLElement>(`#${READER_HEADING_ID}`);
    if (heading && !this.#readerShown) heading.focus();
    this.#readerShown = Boolean(heading);
    if (this.#summary.state.phase === 'loaded') {
      this.#readerModule.prefetch();
      this.#historyModule.prefetch();
    }
  }

  protected override render(): TemplateResult {
    const state = this.#summary.state;
    return html`
      <p class="visually-hidden" role="status" aria-live="polite">${announcement(state, this.#letter())}</p>
      ${this.#body(state)}
    `;
  }

  /** The letter state, if it belongs to the current session (guarded again, not only by willUpdate). */
  #letter(): Exclude<LetterState, { phase: 'closed' }> | undefined {
    const letter = this.#letters.state;
    return letter.phase !== 'closed' && letter.session === this.#summary.session ? letter : undefined;
  }

  /** The letter the reader shows, if any. */
  #reading(): Extract<LetterState, { phase: 'open' | 'failed' }> | undefined {
    const letter = this.#letter();
    return letter?.phase === 'open' || letter?.phase === 'failed' ? letter : undefined;
  }

  readonly #openLetter = (item: LetterItem): void => {
    const session = this.#summary.session;
    if (!session) return;
    this.#readerModule.load();
    this.#letters.open(session, item);
  };

  readonly #closeReader = (): void => {
    const reading = this.#reading();
    if (!reading) return;
    this.#letters.close();
    // The summary was only hidden, so the button that opened the letter is still there to return to.
    void this.updateComplete.then(() => {
      const button = [...this.renderRoot.querySelectorAll<HTMLElement>('[data-letter-id]')].find(
        (b) => b.dataset['letterId'] === reading.item.id,
      );
      button?.focus();
    });
  };

  readonly #letterList: LetterListInput = {
    onOpen: this.#openLetter,
    statusOf: (item) => {
      const letter = this.#letter();
      if (letter?.item.id !== item.id) return undefined;
      if (letter.phase === 'loading') return 'Opening…';
      return letter.phase === 'opened-elsewhere' ? 'Opened in a new window' : undefined;
    },
  };

  #body(state: SummaryState): TemplateResult | typeof nothing {
    const now = new Date();
    switch (state.phase) {
      case 'idle':
        return nothing;
      case 'loading':
        return html`
          ${patientBanner({ ...(state.nhsNumber ? { nhsNumber: state.nhsNumber } : {}), loading: true, now })}
          ${sectionFrame(FLAGS, undefined, flagList)} ${sectionFrame(RESULTS, undefined, () => html``)}
          ${sectionFrame<LetterItem>(LETTERS, undefined, (items) => letterList(items, this.#letterList))}
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
        // The reader takes the place of the sections under the same banner; the sections are only
        // hidden, keeping the letter's button for focus to return to.
        const reading = this.#reading();
        return html`
          ${patientBanner({ nhsNumber, patient: summary.patient, loading: false, now })}
          ${reading ? this.#reader(reading) : nothing}
          <div class="summary" ?hidden=${reading !== undefined}>${this.#sections(summary, now)}</div>
        `;
      }
    }
  }

  readonly #refreshSection = (section: SectionName): void => {
    this.#refocus = section;
    this.refresh();
  };

  readonly #toggleHistory = (rowKey: string): void => {
    this.#historyModule.load();
    // A new set, not a changed one: the result list redraws only pages whose inputs changed identity.
    const expanded = new Set(this.#expanded);
    if (!expanded.delete(rowKey)) expanded.add(rowKey);
    this.#expanded = expanded;
    this.requestUpdate();
  };

  #historiesOf(summary: SummaryView): ReadonlyMap<string, AnalyteHistory> {
    if (this.#histories?.of !== summary) {
      this.#histories = { of: summary, byKey: new Map(summary.results.history.map((h) => [h.key, h])) };
    }
    return this.#histories.byKey;
  }

  // Risk flags first, then results, then letters (DESIGN §1).
  #sections(summary: SummaryView, now: Date): TemplateResult {
    const chrome: SectionChrome = { now, onRefresh: this.#refreshSection };
    const results: ResultListInput = {
      history: this.#historiesOf(summary),
      expanded: this.#expanded,
      onToggleHistory: this.#toggleHistory,
      renderHistory: lazyPart(this.#historyModule, (m) => m.analyteHistory),
      historyState: this.#historyModule.module ? 'ready' : this.#historyModule.failed ? 'failed' : 'loading',
      shown: this.#resultsShown.shownOf(summary.results.items),
    };
    return html`
      ${sectionFrame(FLAGS, summary.flags, flagList, chrome)}
      ${sectionFrame(RESULTS, summary.results, (items) => resultList(items, results), chrome)}
      ${sectionFrame(LETTERS, summary.letters, (items) => letterList(items, this.#letterList), chrome)}
    `;
  }

  #reader(reading: Extract<LetterState, { phase: 'open' | 'failed' }>): TemplateResult {
    const letterReader = this.#readerModule.module?.letterReader;
    if (!letterReader) return partPlaceholder(this.#readerModule, 'Opening the letter…');
    return reading.phase === 'open'
      ? letterReader({ item: reading.item, letter: reading.letter, onBack: this.#closeReader })
      : letterReader({ item: reading.item, error: letterErrorMessage(reading.code), onBack: this.#closeReader });
  }
}

const PART_FAILED = 'This part of the sidebar could not be loaded. Check the connection and try again.';

/** A lazily loaded template as a function, or a placeholder while it loads (or if it could not). */
function lazyPart<M, A extends unknown[]>(
  lazy: LazyModule<M>,
  pick: (module: M) => (...args: A) => TemplateResult,
): (...args: A) => TemplateResult {
  const module = lazy.module;
  if (module !== undefined) return pick(module);
  return () => partPlaceholder(lazy, 'Loading…');
}

/** What shows in place of a lazily loaded part until it arrives, or if it could not be loaded. */
function partPlaceholder(lazy: LazyModule<unknown>, loading: string): TemplateResult {
  return html`<p class="notice" data-kind=${lazy.failed ? 'part-failed' : 'part-loading'}>
    ${lazy.failed ? PART_FAILED : loading}
  </p>`;
}

/** What the polite live region says, so screen-reader users hear loading finish or fail. */
function announcement(state: SummaryState, letter: LetterState | undefined): string {
  if (state.phase === 'loaded' && letter) {
    switch (letter.phase) {
      case 'closed':
        break;
      case 'loading':
        return 'Opening letter';
      case 'open':
        return 'Letter opened';
      case 'failed':
        return letterErrorMessage(letter.code);
      case 'opened-elsewhere':
        return 'Letter opened in a new window';
    }
  }
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
