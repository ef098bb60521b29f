import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SummaryResponse } from '@care-sidebar/shared';
import { BffClient, BffNetworkError, BffProblemError, BffResponseError } from '../bff-client.ts';
import {
  CareSidebarErrorEvent,
  CareSidebarReadyEvent,
  CareSidebarSessionExpiredEvent,
  type CareSidebarErrorCode,
} from '../events.ts';
import { launchNhsNumber } from '../launch-claims.ts';

/**
 * What the sidebar shows. Patient data exists only in `loaded`, and only for the session's
 * patient: every other phase carries at most the session's NHS number.
 */
export type SummaryState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'loading'; readonly nhsNumber?: string }
  | { readonly phase: 'loaded'; readonly nhsNumber: string; readonly summary: SummaryResponse }
  | { readonly phase: 'failed'; readonly code: CareSidebarErrorCode }
  | { readonly phase: 'session-ended' };

/** A BFF session for one launch; compared by identity, so a new launch never matches an old one. */
export interface Session {
  readonly client: BffClient;
  readonly token: string;
  readonly nhsNumber: string;
  /** When the BFF will stop accepting the token (ISO 8601), by the BFF's clock. */
  readonly expiresAt: string;
  /** BFF clock − this browser's clock, in ms (BffClient.startSession). */
  readonly bffClockAheadMs: number;
}

// setTimeout's longest delay (about 24.8 days); sessions are far shorter.
const MAX_TIMER_MS = 2 ** 31 - 1;

export type BffClientFactory = (bffUrl: string) => BffClient;

const IDLE: SummaryState = { phase: 'idle' };

/**
 * Owns loading for one `<care-sidebar>`: starts a BFF session for each launch and fetches its
 * summary. Only the newest run may publish (lit's Task does the same): each load bumps the run
 * counter and aborts the previous fetches, and every await is followed by a run check, so a late
 * answer for an earlier launch is dropped even when it is for the same patient (A → B → A).
 */
export class SummaryController implements ReactiveController {
  readonly #host: ReactiveControllerHost & EventTarget;
  readonly #createClient: BffClientFactory;
  #state: SummaryState = IDLE;
  #run = 0;
  #abort: AbortController | undefined;
  #session: Session | undefined; // the token stays in memory only
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ReactiveControllerHost & EventTarget,
    createClient: BffClientFactory = (url) => new BffClient(url),
  ) {
    this.#host = host;
    this.#createClient = createClient;
    host.addController(this);
  }

  get state(): SummaryState {
    return this.#state;
  }

  /** The current launch's session, once the BFF has answered it. */
  get session(): Session | undefined {
    return this.#session;
  }

  // Loading is driven by load() from the host's willUpdate; a run in flight survives the element
  // being moved in the DOM, and a launch token cannot be replayed to restart it anyway.
  hostConnected(): void {}

  /**
   * Starts over for a new launch. Call it from the host's `willUpdate` so the cleared state is
   * rendered by the very update that changed the launch: the old patient never shows under it.
   */
  load(bffUrl: string, launch: string): void {
    const { run, signal } = this.#nextRun();
    this.#session = undefined;
    clearTimeout(this.#expiryTimer);
    if (!launch) {
      this.#set(IDLE);
      return;
    }
    this.#set({ phase: 'loading' });
    void this.#start(run, this.#createClient(bffUrl), launch, signal);
  }

  /** Fetches the summary afresh from the hospitals with the current session; does nothing without one. */
  refresh(): void {
    const session = this.#session;
    if (!session) return;
    const { run, signal } = this.#nextRun();
    void this.#loadSummary(run, session, signal, true);
  }

  #nextRun(): { run: number; signal: AbortSignal } {
    const run = ++this.#run;
    this.#abort?.abort();
    this.#abort = new AbortController();
    return { run, signal: this.#abort.signal };
  }

  async #start(run: number, client: BffClient, launch: string, signal: AbortSignal): Promise<void> {
    let session: Session;
    try {
      const response = await client.startSession(launch, signal);
      if (run !== this.#run) return; // a newer launch owns the view
      session = {
        client,
        token: response.token,
        nhsNumber: response.patient.nhsNumber,
        expiresAt: response.expiresAt,
        bffClockAheadMs: response.bffClockAheadMs,
      };
    } catch (err) {
      if (run === this.#run) this.#fail(errorCode(err));
      return;
    }
    // The BFF verified the launch; a session for another patient than the one it names would be
    // a BFF or routing bug, so it is refused like a mismatching summary. Unreadable: skipped.
    const launched = launchNhsNumber(launch);
    if (launched !== undefined && launched !== session.nhsNumber) {
      this.#fail('patient-mismatch');
      return;
    }
    this.#session = session;
    this.#endAtExpiry(session);
    await this.#loadSummary(run, session, signal);
  }

  async #loadSummary(run: number, session: Session, signal: AbortSignal, fresh = false): Promise<void> {
    this.#set({ phase: 'loading', nhsNumber: session.nhsNumber });
    let summary: SummaryResponse;
    try {
      summary = await session.client.summary(session.token, signal, fresh);
    } catch (err) {
      if (run !== this.#run) return;
      if (err instanceof BffProblemError && err.status === 401) this.#endSession(err.code);
      else this.#fail(errorCode(err));
      return;
    }
    if (run !== this.#run) return;
    // The BFF binds the session to one patient; checking again here means a BFF or cache bug
    // can never put another patient's record under this banner.
    if (summary.patient.nhsNumber !== session.nhsNumber) {
      this.#fail('patient-mismatch');
      return;
    }
    this.#set({ phase: 'loaded', nhsNumber: session.nhsNumber, summary });
    await this.#host.updateComplete;
    if (run === this.#run) this.#host.dispatchEvent(new CareSidebarReadyEvent());
  }

  /**
   * The BFF refused `session` elsewhere (e.g. a letter request answered 401): end it as a 401 on
   * the summary would. A refusal for a session that is no longer current changes nothing.
   */
  sessionRejected(session: Session, code: CareSidebarErrorCode): void {
    if (session !== this.#session) return;
    this.#nextRun();
    this.#endSession(code);
  }

  /**
   * Clears the record when the session's time is up, without waiting for the next request to be
   * refused: a sidebar left open must not go on showing a patient nobody is entitled to see any more.
   * The expiry is the BFF's time, so it is counted down by the BFF's clock (this browser's, corrected
   * by the skew seen when the session started); one already past is left to the BFF's refusal.
   */
  #endAtExpiry(session: Session): void {
    const remaining = Date.parse(session.expiresAt) - (Date.now() + session.bffClockAheadMs);
    if (!(remaining > 0)) return;
    this.#expiryTimer = setTimeout(
      () => this.sessionRejected(session, 'session-expired'),
      Math.min(remaining, MAX_TIMER_MS),
    );
  }

  #endSession(code: CareSidebarErrorCode): void {
    clearTimeout(this.#expiryTimer);
    this.#session = undefined;
    this.#set({ phase: 'session-ended' });
    this.#host.dispatchEvent(
      code === 'session-expired' ? new CareSidebarSessionExpiredEvent() : new CareSidebarErrorEvent(code),
    );
  }

  #fail(code: CareSidebarErrorCode): void {
    this.#set({ phase: 'failed', code });
    this.#host.dispatchEvent(new CareSidebarErrorEvent(code));
  }

  #set(state: SummaryState): void {
    this.#state = state;
    this.#host.requestUpdate();
  }
}

/** The code a BffClient failure is reported with. */
export function errorCode(err: unknown): CareSidebarErrorCode {
  if (err instanceof BffProblemError) return err.code;
  if (err instanceof BffNetworkError) return 'network-error';
  if (err instanceof BffResponseError) return 'invalid-response';
  return 'internal-error';
}
