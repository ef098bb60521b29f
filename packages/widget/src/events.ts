import type { ProblemCode } from '@care-sidebar/shared';

/**
 * Why the sidebar could not show the record: a BFF problem code, or a failure the widget
 * detects itself. Events carry this code only, never names, NHS numbers or results.
 */
export type CareSidebarErrorCode =
  | ProblemCode
  /** The BFF could not be reached (offline, DNS, CORS, TLS). */
  | 'network-error'
  /** The BFF answered with something that is not the contract's shape. */
  | 'invalid-response'
  /** The summary named a different patient from the session; it was not shown. */
  | 'patient-mismatch';

/** The summary for the current launch has been rendered. */
export class CareSidebarReadyEvent extends Event {
  static readonly eventName = 'care-sidebar-ready';
  constructor() {
    super(CareSidebarReadyEvent.eventName, { bubbles: true, composed: true });
  }
}

/** The record could not be shown; `code` says why. */
export class CareSidebarErrorEvent extends Event {
  static readonly eventName = 'care-sidebar-error';
  readonly code: CareSidebarErrorCode;
  constructor(code: CareSidebarErrorCode) {
    super(CareSidebarErrorEvent.eventName, { bubbles: true, composed: true });
    this.code = code;
  }
}

/** The BFF session expired; everything shown has been cleared and the host should relaunch. */
export class CareSidebarSessionExpiredEvent extends Event {
  static readonly eventName = 'care-sidebar-session-expired';
  constructor() {
    super(CareSidebarSessionExpiredEvent.eventName, { bubbles: true, composed: true });
  }
}

/**
 * A letter was opened: shown in the reader, or handed to the browser's PDF viewer. Carries the
 * letter id (`LetterItem.id`, source and document ids) only, never its title or content.
 */
export class CareSidebarLetterOpenedEvent extends Event {
  static readonly eventName = 'care-sidebar-letter-opened';
  readonly letterId: string;
  constructor(letterId: string) {
    super(CareSidebarLetterOpenedEvent.eventName, { bubbles: true, composed: true });
    this.letterId = letterId;
  }
}

declare global {
  interface HTMLElementEventMap {
    'care-sidebar-ready': CareSidebarReadyEvent;
    'care-sidebar-error': CareSidebarErrorEvent;
    'care-sidebar-session-expired': CareSidebarSessionExpiredEvent;
    'care-sidebar-letter-opened': CareSidebarLetterOpenedEvent;
  }
}
