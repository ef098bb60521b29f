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
  readonly #nowMs: () => number;
  readonly #distrustMs: number;
  readonly #onRefused: ((resourceType: string, distrustMs: number) => void) | undefined;
  readonly #refusedUntilMs = new Map<string, number>();

  constructor(options: OptionalParameterSupportOptions = {}) {
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#distrustMs = options.distrustMs ?? OPTIONAL_PARAMETERS_DISTRUST_MS;
    this.#onRefused = options.onRefused;
  }

  /** Whether to send `resourceType`'s optional parameters. */
  accepted(resourceType: string): boolean {
    const until = this.#refusedUntilMs.get(resourceType);
    if (until === undefined) return true;
    if (this.#nowMs() < until) return false;
    this.#refusedUntilMs.delete(resourceType);
    return true;
  }

  /** The search of `resourceType` succeeded only once its optional parameters were dropped. */
  refused(resourceType: string): void {
    const wasAccepted = this.accepted(resourceType);
    this.#refusedUntilMs.set(resourceType, this.#nowMs() + this.#distrustMs);
    if (wasAccepted) this.#onRefused?.(resourceType, this.#distrustMs);
  }
}
