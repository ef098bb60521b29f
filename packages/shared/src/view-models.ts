/**
 * View models: the one language between the BFF and the widget (DESIGN §3.2).
 * Everything here is JSON: dates are ISO 8601 strings, absent values are omitted.
 */

/** A configured upstream source, as the user sees it. */
export interface SourceRef {
  readonly id: string;
  readonly name: string;
}

/**
 * What one source answered for one section.
 * `not-found`: the source was asked and holds no record of this patient (not an error).
 * `incomplete`: the source answered but held more than could be fetched; the oldest items may be missing.
 * `mismatch`: the source's record disagrees with the launch about who the patient is (date of birth,
 * or a Patient found for the NHS number that carries another one), so none of it is shown.
 */
export type SourceStatus = 'ok' | 'not-found' | 'incomplete' | 'mismatch' | 'unavailable';

export interface SourceOutcome {
  readonly source: SourceRef;
  readonly status: SourceStatus;
  /** When the source's data was retrieved from upstream (not when it was read from cache). */
  readonly asOf?: string;
}

/**
 * `ok`: every source answered in full; `partial`: some did not, or not in full (items shown are incomplete);
 * `unavailable`: no source answered, so `items` is empty and says nothing about the patient.
 */
export type SectionStatus = 'ok' | 'partial' | 'unavailable';

export interface Section<T> {
  readonly status: SectionStatus;
  /** The oldest upstream retrieval time among the sources that answered; absent when none did. */
  readonly asOf?: string;
  readonly items: readonly T[];
  readonly sources: readonly SourceOutcome[];
}

export interface PatientName {
  readonly family?: string;
  readonly given: readonly string[];
  readonly prefix?: readonly string[];
}

/** The patient banner. `nhsNumber` is always the session's patient. */
export interface PatientBanner {
  readonly nhsNumber: string;
  readonly name?: PatientName;
  /** YYYY-MM-DD */
  readonly birthDate?: string;
  readonly gender?: string;
  /** The source the demographics came from. */
  readonly source?: SourceRef;
}

export interface CodedConcept {
  readonly display: string;
  readonly system?: string;
  readonly code?: string;
}

export type ResultValue =
  | {
      readonly kind: 'quantity';
      readonly value: number;
      readonly unit?: string;
      readonly comparator?: string;
      /**
       * The value as the source wrote it, where the digits carry its precision and the number
       * alone would drop them (`4.0`, `0.10`); absent when the number says it all.
       */
      readonly text?: string;
    }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'coded'; readonly concept: CodedConcept };

/**
 * HL7 v3 ObservationInterpretation codes that say a value is outside normal.
 * `critical` marks the panic ranges (HH, LL, AA).
 */
export interface Interpretation {
  readonly code: string;
  readonly display: string;
  readonly abnormal: boolean;
  readonly critical: boolean;
  /** true when the BFF derived it from the reference range because the source sent none. */
  readonly computed: boolean;
}

export type ResultStatus = 'final' | 'amended' | 'corrected' | 'preliminary';

/** One part of a multi-part observation (FHIR Observation.component). */
export interface ResultComponent {
  readonly name: CodedConcept;
  readonly value?: ResultValue;
  readonly referenceRange?: string;
  readonly interpretation?: Interpretation;
}

export interface ResultObservation {
  readonly id: string;
  readonly name: CodedConcept;
  readonly status: ResultStatus;
  readonly value?: ResultValue;
  /** Human text of the reference range, e.g. "59–104 umol/L" or the source's own text. */
  readonly referenceRange?: string;
  readonly interpretation?: Interpretation;
  readonly effective?: string;
  readonly issued?: string;
  /** Parts of a multi-part result; `value` then summarises them as text. */
  readonly components?: readonly ResultComponent[];
  /**
   * The analyte's key in `ResultsSection.history`, present only when that history holds more than
   * this one value (earlier results, or a value this one replaced).
   */
  readonly historyKey?: string;
}

/** A report (panel) and the observations it groups. */
export interface ResultReport {
  readonly id: string;
  readonly source: SourceRef;
  readonly name: CodedConcept;
  readonly status: ResultStatus;
  readonly effective?: string;
  readonly issued?: string;
  /** Performing organisation or laboratory, as the source names it. */
  readonly performer?: string;
  readonly conclusion?: string;
  readonly observations: readonly ResultObservation[];
  /** Other sources that reported the same result (shown once). */
  readonly alsoFrom?: readonly SourceRef[];
}

/** One dated value of an analyte, for its history and trend line. */
export interface HistoryPoint {
  /** When the sample was taken (effective), else when the result was issued. */
  readonly at: string;
  readonly value: ResultValue;
  readonly interpretation?: Interpretation;
  readonly status: ResultStatus;
  readonly source: SourceRef;
  /** The report the value belongs to (`ResultReport.id`). */
  readonly reportId: string;
  /**
   * A later version of the same report (same laboratory identifier) replaced this value, so it is
   * shown only here, marked as replaced, and never in the results list or the AKI warning.
   */
  readonly superseded?: true;
}

/** Every value of one analyte (same code) within the results window, newest first. */
export interface AnalyteHistory {
  readonly key: string;
  readonly name: CodedConcept;
  readonly points: readonly HistoryPoint[];
}

/** The results section, with the history of each analyte that has more than one value. */
export interface ResultsSection extends Section<ResultReport> {
  readonly history: readonly AnalyteHistory[];
}

export interface LetterItem {
  readonly id: string;
  readonly source: SourceRef;
  readonly title: string;
  /** e.g. "Discharge summary", "Outpatient letter". */
  readonly type?: string;
  readonly specialty?: string;
  readonly author?: string;
  readonly date?: string;
  readonly status: 'current';
  /** MIME types of the content the source offers (text/html, text/plain, application/pdf). */
  readonly contentTypes: readonly string[];
  /** Other sources that hold the same letter (shown once). */
  readonly alsoFrom?: readonly SourceRef[];
}

export type FlagSeverity = 'high' | 'medium' | 'low' | 'unknown';

export interface FlagItem {
  readonly id: string;
  /** The source organisation, or absent for a flag computed by a rule. */
  readonly source?: SourceRef;
  readonly computed: boolean;
  readonly text: string;
  /** One plain sentence saying why (e.g. how a computed flag was derived). */
  readonly reason?: string;
  readonly category?: string;
  readonly severity: FlagSeverity;
  /** When the flag started (period.start) or was last updated. */
  readonly date?: string;
}

export interface SummaryView {
  readonly kind: 'summary';
  readonly patient: PatientBanner;
  readonly flags: Section<FlagItem>;
  readonly results: ResultsSection;
  readonly letters: Section<LetterItem>;
  readonly generatedAt: string;
}

/** The patient has opted out of sharing: no clinical data at all, not even counts. */
export interface OptedOutView {
  readonly kind: 'opted-out';
  readonly patient: { readonly nhsNumber: string };
  readonly generatedAt: string;
}

/** `GET /api/v1/summary` 200 body. */
export type SummaryResponse = SummaryView | OptedOutView;

/** `POST /api/v1/session` request body. */
export interface SessionRequest {
  readonly launch: string;
}

/** `POST /api/v1/session` 201 body. */
export interface SessionResponse {
  readonly token: string;
  readonly expiresAt: string;
  readonly patient: { readonly nhsNumber: string };
  readonly user: { readonly id: string; readonly name: string; readonly role: string; readonly org: string };
}

/**
 * `GET /api/v1/letters/{id}` 200 body for HTML and plain-text letters. HTML has been sanitised by
 * the BFF (no script, style, form, frame, link or remote resource) and is still rendered isolated.
 * PDFs are answered as `application/pdf` bytes instead.
 */
export interface LetterContent {
  readonly id: string;
  readonly title: string;
  readonly source: SourceRef;
  readonly date?: string;
  readonly contentType: 'text/html' | 'text/plain';
  readonly content: string;
}

export const SECTION_NAMES = ['flags', 'results', 'letters'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];
