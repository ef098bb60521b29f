import type { CareSidebarErrorCode } from './events.ts';

const RELAUNCH = 'reopen the sidebar from your clinical system';

export const SESSION_ENDED_MESSAGE = 'Session ended — reopen from your clinical system';

export const PATIENT_MISMATCH_MESSAGE = 'The data returned did not match this patient and has not been shown';

const GENERIC = `The hospital record could not be opened. Please ${RELAUNCH}; if this keeps happening, contact your IT support.`;

/**
 * What a GP reads when the record cannot be shown: what happened and what to do, in plain words.
 * The switch is exhaustive on purpose: a new code needs a decision about its wording. Codes the
 * user cannot act on share the generic text; no technical detail is shown.
 */
export function errorMessage(code: CareSidebarErrorCode): string {
  switch (code) {
    case 'launch-expired':
      return `This link has expired — ${RELAUNCH}`;
    case 'launch-replayed':
      return `This link has already been used — ${RELAUNCH}`;
    case 'insufficient-role':
      return 'Your role does not give access to hospital records. Ask your practice manager if you think it should.';
    case 'launch-verification-unavailable':
    case 'audit-unavailable':
    case 'source-unavailable':
      return 'Hospital records cannot be shown right now. Please try again in a few minutes.';
    case 'session-expired':
    case 'session-invalid':
    case 'unauthenticated':
      return SESSION_ENDED_MESSAGE;
    case 'network-error':
      return 'The hospital record service could not be reached. Check your connection, then reopen the sidebar.';
    case 'patient-mismatch':
      return PATIENT_MISMATCH_MESSAGE;
    case 'bad-request':
    case 'payload-too-large':
    case 'unsupported-media-type':
    case 'not-found':
    case 'letter-content-unavailable':
    case 'method-not-allowed':
    case 'launch-invalid':
    case 'launch-not-yet-valid':
    case 'launch-lifetime-too-long':
    case 'launch-untrusted-issuer':
    case 'launch-invalid-patient':
    case 'launch-incomplete':
    case 'internal-error':
    case 'invalid-response':
      return GENERIC;
  }
}

const LETTER_GENERIC =
  'This letter could not be opened. Please try again; if this keeps happening, contact your IT support.';

/**
 * What a GP reads in the letter reader when a letter cannot be shown. The summary is still on
 * screen and valid, so the advice is about this letter, not about reopening the sidebar.
 */
export function letterErrorMessage(code: CareSidebarErrorCode): string {
  switch (code) {
    case 'not-found':
      return 'This letter is no longer available. The hospital may have replaced or withdrawn it.';
    case 'letter-content-unavailable':
      return 'The hospital holds no copy of this letter that can be shown here. Ask the hospital for a copy.';
    case 'source-unavailable':
      return 'The hospital system holding this letter cannot be reached right now. Please try again in a few minutes.';
    case 'audit-unavailable':
    case 'launch-verification-unavailable':
      return 'Letters cannot be opened right now. Please try again in a few minutes.';
    case 'insufficient-role':
    case 'session-expired':
    case 'session-invalid':
    case 'unauthenticated':
    case 'network-error':
    case 'patient-mismatch':
      return errorMessage(code);
    case 'bad-request':
    case 'payload-too-large':
    case 'unsupported-media-type':
    case 'method-not-allowed':
    case 'launch-invalid':
    case 'launch-expired':
    case 'launch-replayed':
    case 'launch-not-yet-valid':
    case 'launch-lifetime-too-long':
    case 'launch-untrusted-issuer':
    case 'launch-invalid-patient':
    case 'launch-incomplete':
    case 'internal-error':
    case 'invalid-response':
      return LETTER_GENERIC;
  }
}
