import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LetterContent, LetterItem } from '@care-sidebar/shared';
import { BffProblemError } from '../bff-client.ts';
import { CareSidebarLetterOpenedEvent, type CareSidebarErrorCode } from '../events.ts';
import { errorCode, type Session } from './summary-controller.ts';

/**
 * The letter being opened or read. Every phase but `closed` names the session it belongs to:
 * the host shows it only while that session is still the current one.
 */
export type LetterState =
  | { readonly phase: 'closed' }
  | { readonly phase: 'loading'; readonly item: LetterItem; readonly session: Session }
  | { readonly phase: 'open'; readonly item: LetterItem; readonly session: Session; readonly letter: LetterContent }
  | {
      readonly phase: 'failed';
      readonly item: LetterItem;
      readonly session: Session;
      readonly code: CareSidebarErrorCode;
    }
  /** A PDF, handed to the browser's own viewer in a new window; the summary stays. */
  | { readonly phase: 'opened-elsewhere'; readonly item: LetterItem; readonly session: Session };

const CLOSED: LetterState = { phase: 'closed' };

/** Long enough for the new window to start loading the PDF; a patient switch revokes sooner. */
const PDF_URL_LIFETIME_MS = 60_000;

/**
 * Fetches one letter at a time for `<care-sidebar>`, with the summary controller's discipline:
 * each open or close bumps the run counter and aborts the request in flight, and every await is
 * followed by a run check, so a late letter is dropped even when its request could not be aborted.
 */
export class LetterController implements ReactiveController {
  readonly #host: ReactiveControllerHost & EventTarget;
  readonly #onSessionRejected: (session: Session, code: CareSidebarErrorCode) => void;
  #state: LetterState = CLOSED;
  #run = 0;
  #abort: AbortController | undefined;
  readonly #pdfUrls = new Set<string>();

  constructor(
    host: ReactiveControllerHost & EventTarget,
    onSessionRejected: (session: Session, code: CareSidebarErrorCode) => void,
  ) {
    this.#host = host;
    this.#onSessionRejected = onSessionRejected;
    host.addController(this);
  }

  get state(): LetterState {
    return this.#state;
  }

  hostConnected(): void {}

  open(session: Session, item: LetterItem): void {
    const { run, signal } = this.#nextRun();
    this.#set({ phase: 'loading', item, session });
    void this.#load(run, session, item, signal);
  }

  /**
   * Back to the summary, or away from this patient altogether: aborts the request in flight and
   * revokes the PDF URLs handed out, so nothing of a previous patient stays reachable from here.
   */
  close(): void {
    this.#nextRun();
    for (const url of this.#pdfUrls) URL.revokeObjectURL(url);
    this.#pdfUrls.clear();
    if (this.#state !== CLOSED) this.#set(CLOSED);
  }

  #nextRun(): { run: number; signal: AbortSignal } {
    const run = ++this.#run;
    this.#abort?.abort();
    this.#abort = new AbortController();
    return { run, signal: this.#abort.signal };
  }

  async #load(run: number, session: Session, item: LetterItem, signal: AbortSignal): Promise<void> {
    let answer;
    try {
      answer = await session.client.letter(session.token, item.id, signal);
    } catch (err) {
      if (run !== this.#run) return;
      if (err instanceof BffProblemError && err.status === 401) {
        this.#set(CLOSED);
        this.#onSessionRejected(session, err.code);
      } else {
        this.#set({ phase: 'failed', item, session, code: errorCode(err) });
      }
      return;
    }
    if (run !== this.#run) return; // another letter, Back, or a new patient owns the view
    if (answer.kind === 'pdf') {
      this.#openPdf(answer.pdf);
      this.#set({ phase: 'opened-elsewhere', item, session });
    } else {
      this.#set({ phase: 'open', item, session, letter: answer.letter });
      await this.#host.updateComplete;
      if (run !== this.#run) return;
    }
    this.#host.dispatchEvent(new CareSidebarLetterOpenedEvent(item.id));
  }

  // Never inline: the browser's PDF viewer runs apart from this page, and 'noopener' leaves the
  // new window no handle on the host page.
  #openPdf(pdf: Blob): void {
    const url = URL.createObjectURL(pdf);
    this.#pdfUrls.add(url);
    window.open(url, '_blank', 'noopener');
    setTimeout(() => {
      if (this.#pdfUrls.delete(url)) URL.revokeObjectURL(url);
    }, PDF_URL_LIFETIME_MS);
  }

  #set(state: LetterState): void {
    this.#state = state;
    this.#host.requestUpdate();
  }
}
