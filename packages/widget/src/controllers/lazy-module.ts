import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * A part of the widget the first view does not need (the letter reader, result history), loaded on
 * first use or once the first view is on screen, so the script a host loads stays small. The host
 * redraws when it arrives. A failed load is not retried by rendering, only by the next `load()`.
 */
export class LazyModule<T> implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #import: () => Promise<T>;
  #module: T | undefined;
  #loading = false;
  #failed = false;
  #attempted = false;

  constructor(host: ReactiveControllerHost, load: () => Promise<T>) {
    this.#host = host;
    this.#import = load;
    host.addController(this);
  }

  /** The module, once loaded. */
  get module(): T | undefined {
    return this.#module;
  }

  /** Whether the last attempt to load it failed (e.g. the BFF could not be reached). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Starts loading it ahead of use, once: a failure is retried only by `load()` (a user's action). */
  prefetch(): void {
    if (!this.#attempted) this.load();
  }

  /** Starts loading it unless it is loaded or on its way (again, if it failed). */
  load(): void {
    if (this.#module !== undefined || this.#loading) return;
    this.#attempted = true;
    this.#loading = true;
    this.#failed = false;
    this.#import().then(
      (module) => {
        this.#module = module;
        this.#loading = false;
        this.#host.requestUpdate();
      },
      () => {
        this.#loading = false;
        this.#failed = true;
        this.#host.requestUpdate();
      },
    );
  }

  hostConnected(): void {}
}
