import { TimedRefusals } from './timed-refusals.ts';

/** How long a source is searched without optional parameters after it refused them. */
export const OPTIONAL_PARAMETERS_DISTRUST_MS = 60 * 60 * 1000;

export interface OptionalParameterSupportOptions {
  readonly nowMs?: () => number;
  readonly distrustMs?: number;
  /** Told once each time a resource type goes from accepted to refused, for the operators' log. */
  readonly onRefused?: (resourceType: string, distrustMs: number) => void;
}

/**
 * One source's memory, per resource type, of whether it accepts the optional search parameters
 * (`_sort`, `_include`, a `date` window). A strict server answers them with 400 and the search is
 * asked again without; remembered, the next searches of that type go without them at once — one
 * call and one round instead of two — until the period has passed and they are tried again.
 */
export class OptionalParameterSupport {
  readonly #refusals: TimedRefusals<string, undefined>;

  constructor({
    nowMs = () => performance.now(),
    distrustMs = OPTIONAL_PARAMETERS_DISTRUST_MS,
    onRefused,
  }: OptionalParameterSupportOptions = {}) {
    this.#refusals = new TimedRefusals(nowMs, distrustMs, onRefused && ((type, _, ms) => onRefused(type, ms)));
  }

  /** Whether to send `resourceType`'s optional parameters. */
  accepted(resourceType: string): boolean {
    return !this.#refusals.has(resourceType);
  }

  /** The search of `resourceType` succeeded only once its optional parameters were dropped. */
  refused(resourceType: string): void {
    this.#refusals.add(resourceType, undefined);
  }
}
