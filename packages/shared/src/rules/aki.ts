import type { CodeableConcept, Coding, Observation, Quantity } from '@medplum/fhirtypes';
import type { FlagItem, FlagSeverity, SourceRef } from '../view-models.ts';

/*
 * Acute kidney injury (AKI) warning stage, after NHS England, "Algorithm for detecting Acute Kidney
 * Injury (AKI) based on serum creatinine changes with time" (Patient Safety Alert NHS/PSA/D/2014/010,
 * Think Kidneys programme). C1 is the current creatinine; previous results are looked up relative to
 * C1's sample time:
 *
 *   - no result in the previous 365 days: no stage;
 *   - RV1 = lowest result in the 0–7 days before C1; RV2 = median of the results 8–365 days before;
 *     RV ratio = C1 ÷ RV, and when both exist the higher ratio is used;
 *   - RV ratio ≥ 1.5: stage 3 if ratio ≥ 3, or C1 > 354 µmol/L (18 and over), or C1 > 3 × the upper
 *     reference limit for age and sex (under 18); else stage 2 if ratio ≥ 2; else stage 1;
 *   - RV ratio < 1.5: stage 1 if D > 26 µmol/L, where D = C1 − the lowest result in the previous 48 hours.
 *
 * The algorithm counts days; here windows are elapsed time from C1's sample time: RV1 covers
 * (0, 7 × 24 h], RV2 (7 × 24 h, 365 × 24 h], D (0, 48 h]. A result at the same instant as C1 is not
 * "previous" (it is C1 itself, perhaps reported by another source).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RV1_WINDOW_MS = 7 * DAY_MS;
const RV2_WINDOW_MS = 365 * DAY_MS;
const D_WINDOW_MS = 48 * HOUR_MS;
const ADULT_STAGE3_UMOL_PER_L = 354;
const D_THRESHOLD_UMOL_PER_L = 26;
// Ratios of converted values carry binary rounding noise (e.g. 2.9999999999999996 for a true 3);
// thresholds are compared with this much slack so a value exactly on a boundary counts as on it.
const EPSILON = 1e-9;

/** One creatinine result, already in µmol/L, with its sample time. */
export interface CreatinineResult {
  readonly umolPerL: number;
  /** Specimen collection time, epoch milliseconds. */
  readonly atMs: number;
}

export interface AkiStageOptions {
  /** The patient was under 18 at C1's sample time: the stage 3 absolute limit is 3 × the upper reference limit. */
  readonly under18?: boolean;
  /**
   * Upper reference limit for age and sex, µmol/L. Used only for under-18s; when it is unknown the
   * absolute-value criterion is skipped for them (354 µmol/L is an adult limit and would under-call children).
   */
  readonly upperReferenceLimitUmolPerL?: number;
}

/** The previous value the stage was decided against, and the window it came from. */
export type AkiBaseline =
  /** Lowest result in the 0–7 days before C1. */
  | { readonly kind: 'RV1'; readonly value: number; readonly atMs: number }
  /** Median of the `count` results 8–365 days before C1. */
  | { readonly kind: 'RV2'; readonly value: number; readonly count: number }
  /** Lowest result in the 48 hours before C1 (the "D" check). */
  | { readonly kind: '48h'; readonly value: number; readonly atMs: number };

export interface AkiStage {
  readonly stage: 1 | 2 | 3;
  /** The RV ratio: C1 ÷ the reference value (the higher of the RV1 and RV2 ratios). */
  readonly ratio: number;
  readonly baseline: AkiBaseline;
  /** C1 − baseline.value, µmol/L. */
  readonly rise: number;
  /** Present when stage 3 came from the absolute-value criterion rather than ratio ≥ 3: the limit C1 exceeded. */
  readonly absoluteLimitUmolPerL?: number;
}

const atLeast = (value: number, threshold: number) => value >= threshold - EPSILON;
const above = (value: number, threshold: number) => value > threshold + EPSILON;
// Below 1 µmol/L is no creatinine result (most likely mmol/L mislabelled) and would make any ratio huge.
const MIN_PLAUSIBLE_UMOL_PER_L = 1;
const usable = (r: CreatinineResult) =>
  Number.isFinite(r.umolPerL) && r.umolPerL >= MIN_PLAUSIBLE_UMOL_PER_L && Number.isFinite(r.atMs);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The lowest result (the most recent of equal lowest ones), or undefined for none. */
function lowest(results: readonly CreatinineResult[]): CreatinineResult | undefined {
  return results.reduce<CreatinineResult | undefined>(
    (min, r) =>
      min === undefined || r.umolPerL < min.umolPerL || (r.umolPerL === min.umolPerL && r.atMs > min.atMs) ? r : min,
    undefined,
  );
}

/**
 * The AKI warning stage of `current` given earlier results, or undefined for no stage. Pure:
 * `history` may hold anything (later results, C1 itself, junk values); only finite results of at
 * least 1 µmol/L strictly before C1 within 365 days count.
 */
export function akiStage(
  current: CreatinineResult,
  history: readonly CreatinineResult[],
  options: AkiStageOptions = {},
): AkiStage | undefined {
  if (!usable(current)) return undefined;
  const c1 = current.umolPerL;
  const previous = history.filter((r) => usable(r) && r.atMs < current.atMs);
  const ago = (r: CreatinineResult) => current.atMs - r.atMs;
  const rv1 = lowest(previous.filter((r) => ago(r) <= RV1_WINDOW_MS));
  const rv2Results = previous.filter((r) => ago(r) > RV1_WINDOW_MS && ago(r) <= RV2_WINDOW_MS);
  if (rv1 === undefined && rv2Results.length === 0) return undefined; // nothing in the previous 365 days

  const candidates: { ratio: number; baseline: AkiBaseline }[] = [];
  if (rv1)
    candidates.push({ ratio: c1 / rv1.umolPerL, baseline: { kind: 'RV1', value: rv1.umolPerL, atMs: rv1.atMs } });
  if (rv2Results.length > 0) {
    const value = median(rv2Results.map((r) => r.umolPerL));
    candidates.push({ ratio: c1 / value, baseline: { kind: 'RV2', value, count: rv2Results.length } });
  }
  // The higher ratio wins; on a tie RV1 (listed first) is kept, being the more recent reference.
  const chosen = candidates.reduce((best, c) => (c.ratio > best.ratio ? c : best));
  const { ratio, baseline } = chosen;

  if (atLeast(ratio, 1.5)) {
    const absoluteLimit = options.under18
      ? options.upperReferenceLimitUmolPerL !== undefined &&
        Number.isFinite(options.upperReferenceLimitUmolPerL) &&
        options.upperReferenceLimitUmolPerL > 0
        ? 3 * options.upperReferenceLimitUmolPerL
        : undefined // under 18 with no known upper limit: the absolute criterion cannot be applied
      : ADULT_STAGE3_UMOL_PER_L;
    const rise = c1 - baseline.value;
    if (atLeast(ratio, 3)) return { stage: 3, ratio, baseline, rise };
    if (absoluteLimit !== undefined && above(c1, absoluteLimit))
      return { stage: 3, ratio, baseline, rise, absoluteLimitUmolPerL: absoluteLimit };
    return { stage: atLeast(ratio, 2) ? 2 : 1, ratio, baseline, rise };
  }

  const within48h = lowest(previous.filter((r) => ago(r) <= D_WINDOW_MS));
  if (within48h && above(c1 - within48h.umolPerL, D_THRESHOLD_UMOL_PER_L)) {
    return {
      stage: 1,
      ratio,
      baseline: { kind: '48h', value: within48h.umolPerL, atMs: within48h.atMs },
      rise: c1 - within48h.umolPerL,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// From FHIR Observations to a flag.

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const CTV3 = 'http://read.info/ctv3';

/**
 * Serum or plasma creatinine tests. LOINC 2160-0 "Creatinine [Mass/volume] in Serum or Plasma" and
 * 14682-9 "Creatinine [Moles/volume] in Serum or Plasma"; SNOMED CT 113075003 "Creatinine measurement,
 * serum (procedure)" and the UK pathology observables "Serum creatinine level" (1000731000000107),
 * "Plasma creatinine level" (1001011000000107), "Substance concentration of creatinine in serum/plasma"
 * (1107001000000108, 1106601000000100) and their colorimetric/enzymatic variants (1109421000000104,
 * 1109431000000102, 1109441000000106, 1109451000000109).
 * Not included: whole-blood creatinine (LOINC 38483-4, 59826-8; point-of-care analysers), which the
 * algorithm is not defined on, and "corrected" creatinine levels, which are not the measured value.
 */
const CREATININE_CODES: ReadonlySet<string> = new Set([
  `${LOINC}|2160-0`,
  `${LOINC}|14682-9`,
  `${SNOMED}|113075003`,
  `${SNOMED}|1000731000000107`,
  `${SNOMED}|1001011000000107`,
  `${SNOMED}|1107001000000108`,
  `${SNOMED}|1106601000000100`,
  `${SNOMED}|1109421000000104`,
  `${SNOMED}|1109431000000102`,
  `${SNOMED}|1109441000000106`,
  `${SNOMED}|1109451000000109`,
]);

/** "Acute kidney injury warning stage": SNOMED CT UK 1007921000000107 (CTV3 XabmE), the laboratory's AKI test. */
const AKI_WARNING_CODES: ReadonlySet<string> = new Set([`${SNOMED}|1007921000000107`, `${CTV3}|XabmE`]);

/** "Acute kidney injury stage 1/2/3 (disorder)", SNOMED CT UK; accepted as a coded stage. */
const AKI_STAGE_CODES: ReadonlyMap<string, 1 | 2 | 3> = new Map([
  [`${SNOMED}|851931000000107`, 1],
  [`${SNOMED}|851941000000103`, 2],
  [`${SNOMED}|851951000000100`, 3],
]);

// When codes are missing or local, the words: "AKI warning stage 2", "Acute kidney injury stage 3".
const AKI_TEXT = /\b(?:AKI|acute kidney injury)\b/i;
const STAGE_IN_TEXT = /\bstage\s*([123])\b/i;
const AKI_WARNING_TEXT = /\b(?:AKI|acute kidney injury)\b.*\bwarning\b/i;

/**
 * Statuses a computation may use. Preliminary results are shown to the GP but not computed on: the
 * laboratory has not released the value, and a derived warning would carry no laboratory behind it if
 * the value then changed. Withdrawn statuses (cancelled, entered-in-error, registered, unknown) never count.
 */
const COMPUTED_STATUSES: ReadonlySet<string> = new Set(['final', 'amended', 'corrected']);

// Creatinine: 1 mg/dL = 88.4 µmol/L (molar mass 113.12 g/mol); 1 mmol/L = 1000 µmol/L.
const UNIT_FACTORS: ReadonlyMap<string, number> = new Map([
  ['umol/l', 1],
  ['µmol/l', 1],
  ['μmol/l', 1],
  ['micromol/l', 1],
  ['mmol/l', 1000],
  ['mg/dl', 88.4],
]);

function toUmolPerL(q: Quantity | undefined, fallbackUnit?: string): number | undefined {
  if (q?.value === undefined || !Number.isFinite(q.value) || q.comparator !== undefined) return undefined;
  // The UCUM code first, then the human unit; no unit or an unknown one: never guess.
  const factor = [q.code, q.unit, fallbackUnit]
    .map((u) => (u === undefined ? undefined : UNIT_FACTORS.get(u.trim().toLowerCase())))
    .find((f) => f !== undefined);
  if (factor === undefined) return undefined;
  return Math.round(q.value * factor * 100) / 100; // drop float noise from the conversion
}

const codingKeys = (concept: CodeableConcept | undefined): string[] =>
  (concept?.coding ?? []).map((c: Coding) => `${c.system ?? ''}|${c.code ?? ''}`);

const conceptTexts = (concept: CodeableConcept | undefined): string[] =>
  [concept?.text, ...(concept?.coding ?? []).map((c) => c.display)].filter((t): t is string => !!t?.trim());

function effectiveOf(obs: Observation): string | undefined {
  return obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? obs.effectiveInstant;
}

/** A stage 1–3 written in a concept (coded or in words), or undefined. */
function stageInConcept(concept: CodeableConcept | undefined, requireAkiWords: boolean): 1 | 2 | 3 | undefined {
  for (const key of codingKeys(concept)) {
    const stage = AKI_STAGE_CODES.get(key);
    if (stage) return stage;
  }
  for (const text of conceptTexts(concept)) {
    if (requireAkiWords && !AKI_TEXT.test(text)) continue;
    const match = STAGE_IN_TEXT.exec(text) ?? /^\s*([123])\s*$/.exec(text);
    if (match) return Number(match[1]) as 1 | 2 | 3;
  }
  return undefined;
}

function isCreatinine(obs: Observation): boolean {
  return codingKeys(obs.code).some((k) => CREATININE_CODES.has(k));
}

function isAkiWarning(obs: Observation): boolean {
  return (
    codingKeys(obs.code).some((k) => AKI_WARNING_CODES.has(k)) ||
    conceptTexts(obs.code).some((t) => AKI_WARNING_TEXT.test(t))
  );
}

/** The stage an AKI warning stage observation reports, from its value or, failing that, its name. */
function reportedStage(obs: Observation): 1 | 2 | 3 | undefined {
  const fromNumber = obs.valueInteger ?? obs.valueQuantity?.value;
  if (fromNumber === 1 || fromNumber === 2 || fromNumber === 3) return fromNumber;
  if (obs.valueString !== undefined) {
    const fromString = stageInConcept({ text: obs.valueString }, false);
    if (fromString) return fromString;
  }
  return stageInConcept(obs.valueCodeableConcept, false) ?? stageInConcept(obs.code, true);
}

/** One observation paired with the source that sent it. */
export interface SourcedObservation {
  readonly source: SourceRef;
  readonly observation: Observation;
}

export interface AkiContext {
  /** Results dated after `now` are ignored as bad data. */
  readonly now: Date;
  /** The patient's date of birth (FHIR date), to tell under-18s; unknown means the adult criterion. */
  readonly birthDate?: string;
  /**
   * A warning is a risk flag only while it is recent: when the newest creatinine is older than
   * this, no AKI flag is raised (the results themselves still show, dated). Default 30 days.
   */
  readonly maxAgeDays?: number;
}

const DEFAULT_MAX_AGE_DAYS = 30;

interface Creatinine extends CreatinineResult {
  readonly effective: string;
  readonly sources: SourceRef[];
  readonly upperLimitUmolPerL?: number;
  /** The laboratory's own stage, written as an interpretation on this result. */
  readonly labStage?: { readonly stage: 1 | 2 | 3; readonly source: SourceRef; readonly id: string };
}

interface LabStage {
  readonly stage: 1 | 2 | 3;
  readonly source: SourceRef;
  readonly id: string;
  readonly effective: string;
  readonly atMs: number;
}

// Reads a FHIR date ("2008", "2008-05", "2008-05-17"); a partial date counts from its first day.
function eighteenthBirthdayMs(birthDate: string | undefined): number | undefined {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate ?? '');
  if (!match) return undefined;
  return Date.UTC(Number(match[1]) + 18, Number(match[2] ?? '1') - 1, Number(match[3] ?? '1'));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "16-Nov-2026" from the date the source wrote (its local date, so no time-zone shift). */
function displayDate(fhirDateTime: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(fhirDateTime);
  if (!match) return fhirDateTime;
  return `${match[3]}-${MONTHS[Number(match[2]) - 1] ?? match[2]}-${match[1]}`;
}

const umol = (value: number) => `${Number.isInteger(value) ? value : Number(value.toFixed(1))} µmol/L`;
// Truncated, not rounded, so 1.99 never reads as "2.0 ×" beside a stage 1.
const times = (ratio: number) => `${(Math.floor(ratio * 10 + 1e-6) / 10).toFixed(1)} ×`;

function listNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

// Severity: NICE QS76 (statement 3) and Think Kidneys' "Responding to AKI Warning Stage Test Results for
// Adults in Primary Care" ask for clinical review within hours for stage 2 and 3, so both are 'high';
// stage 1 still needs review but less urgently, so 'medium'.
const SEVERITY: Readonly<Record<1 | 2 | 3, FlagSeverity>> = { 1: 'medium', 2: 'high', 3: 'high' };
const flagText = (stage: 1 | 2 | 3) => `Acute kidney injury warning: stage ${stage}`;

function explain(result: AkiStage, current: Creatinine, under18: boolean): string {
  const { baseline } = result;
  const head = `Creatinine ${umol(current.umolPerL)} on ${displayDate(current.effective)} is`;
  const limit =
    result.absoluteLimitUmolPerL === undefined
      ? ''
      : under18
        ? ` above 3 × the upper reference limit (${umol(result.absoluteLimitUmolPerL)}) and`
        : ` above ${umol(result.absoluteLimitUmolPerL)} and`;
  switch (baseline.kind) {
    case 'RV1':
      return `${head}${limit} ${times(result.ratio)} the lowest result in the previous 7 days (${umol(baseline.value)})`;
    case 'RV2': {
      const which = baseline.count === 1 ? 'the one result' : `the median of the ${baseline.count} results`;
      return `${head}${limit} ${times(result.ratio)} ${which} from 8 to 365 days before (${umol(baseline.value)})`;
    }
    case '48h':
      return `${head} ${umol(result.rise)} higher than the lowest result in the previous 48 hours (${umol(baseline.value)})`;
  }
}

/**
 * Reads creatinine results and laboratory AKI warning stages from every source's observations, and
 * returns the AKI flag for the newest creatinine, or undefined. The laboratory's own stage, when it
 * reported one for that result (or later), is shown as the laboratory's (computed: false, with its
 * source); otherwise the NHS England algorithm is run over the results of all sources together and
 * the flag is marked computed, with no source. Pure; never throws.
 */
export function akiFlag(observations: readonly SourcedObservation[], context: AkiContext): FlagItem | undefined {
  const nowMs = context.now.getTime();
  const byKey = new Map<string, Creatinine>();
  const labStages: LabStage[] = [];

  for (const { source, observation: obs } of observations) {
    if (!obs.status || !COMPUTED_STATUSES.has(obs.status)) continue;
    const effective = effectiveOf(obs);
    const atMs = effective === undefined ? NaN : Date.parse(effective);
    // The sample time places a result in the windows; without one it cannot be used.
    if (effective === undefined || !Number.isFinite(atMs) || atMs > nowMs) continue;

    if (isCreatinine(obs)) {
      const umolPerL = toUmolPerL(obs.valueQuantity);
      if (umolPerL === undefined || umolPerL < MIN_PLAUSIBLE_UMOL_PER_L) continue;
      const high = obs.referenceRange?.find((r) => r.high !== undefined)?.high;
      const upperLimit = toUmolPerL(high, obs.valueQuantity?.code ?? obs.valueQuantity?.unit);
      const interpreted = (obs.interpretation ?? []).map((c) => stageInConcept(c, true)).find((s) => s !== undefined);
      // The same result reported by two sources (same sample time and value) is one result.
      const key = `${atMs}|${umolPerL}`;
      const existing = byKey.get(key);
      const upperLimitUmolPerL = existing?.upperLimitUmolPerL ?? upperLimit;
      const labStage =
        existing?.labStage ??
        (interpreted ? { stage: interpreted, source, id: `${source.id}:Observation/${obs.id ?? key}:aki` } : undefined);
      byKey.set(key, {
        umolPerL,
        atMs,
        effective: existing?.effective ?? effective,
        sources: [...(existing?.sources ?? []), source],
        ...(upperLimitUmolPerL !== undefined ? { upperLimitUmolPerL } : {}),
        ...(labStage ? { labStage } : {}),
      });
    } else if (isAkiWarning(obs)) {
      const stage = reportedStage(obs);
      if (stage) labStages.push({ stage, source, id: `${source.id}:Observation/${obs.id ?? atMs}`, effective, atMs });
    }
  }

  const results = [...byKey.values()].sort((a, b) => b.atMs - a.atMs || b.umolPerL - a.umolPerL);
  const newest = results[0];
  const maxAgeMs = (context.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS) * 86_400_000;
  // An old warning is history, not a current risk: a stale flag would be taken as current.
  const newestLabMs = Math.max(-Infinity, ...labStages.map((s) => s.atMs));
  if ((newest === undefined || nowMs - newest.atMs > maxAgeMs) && nowMs - newestLabMs > maxAgeMs) return undefined;
  const current = newest;

  // The laboratory's word wins, but only about the newest creatinine (or later): an older laboratory
  // stage has been overtaken by a newer result, whichever source reported it.
  // Laboratory flag ids follow the results' `source:Observation/id`, so they cannot meet a FHIR Flag's id.
  const lab = [
    ...(current?.labStage ? [{ ...current.labStage, effective: current.effective, atMs: current.atMs }] : []),
    ...labStages.filter((s) => current === undefined || s.atMs >= current.atMs),
  ].sort((a, b) => b.stage - a.stage || b.atMs - a.atMs)[0];
  if (lab) {
    const withCreatinine = current && lab.atMs === current.atMs ? ` with creatinine ${umol(current.umolPerL)}` : '';
    return {
      id: lab.id,
      source: lab.source,
      computed: false,
      text: flagText(lab.stage),
      reason: `AKI warning stage reported by the laboratory on ${displayDate(lab.effective)}${withCreatinine}`,
      severity: SEVERITY[lab.stage],
      date: lab.effective,
    };
  }

  if (!current) return undefined;
  const eighteen = eighteenthBirthdayMs(context.birthDate);
  const under18 = eighteen !== undefined && current.atMs < eighteen;
  const result = akiStage(current, results.slice(1), {
    under18,
    ...(current.upperLimitUmolPerL !== undefined ? { upperReferenceLimitUmolPerL: current.upperLimitUmolPerL } : {}),
  });
  if (!result) return undefined;

  // Name the sources whose results were in reach (the previous 365 days), in configured order.
  const inReach = results.filter((r) => current.atMs - r.atMs <= RV2_WINDOW_MS).flatMap((r) => r.sources);
  const names = observations
    .map((o) => o.source)
    .filter((s, i, all) => all.findIndex((t) => t.id === s.id) === i && inReach.some((r) => r.id === s.id))
    .map((s) => s.name);
  const combined = names.length > 1 ? `; results from ${listNames(names)} combined` : '';
  return {
    id: 'computed:aki',
    computed: true,
    text: flagText(result.stage),
    reason: `${explain(result, current, under18)}${combined}`,
    severity: SEVERITY[result.stage],
    date: current.effective,
  };
}
