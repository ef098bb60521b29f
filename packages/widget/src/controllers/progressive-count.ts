import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Draws a long list a slice at a time so no single task blocks the main thread (600 results in one
 * render took about 75 ms): the first slice at once, then one more slice per task until all are in
 * the DOM. Nothing is hidden behind a control: the whole list is there within a second or so.
 */
export class ProgressiveCount implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #first: number;
  readonly #step: number;
  #list: readonly unknown[] | undefined;
  #shown = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, first: number, step: number) {
    this.#host = host;
    this.#first = first;
    this.#step = step;
    host.addController(this);
  }

  /** How many items of `list` to render now; a different list (new data) starts from the first slice. */
  shownOf(list: readonly unknown[]): number {
    if (list !== this.#list) {
      this.reset();
      this.#list = list;
      this.#shown = Math.min(this.#first, list.length);
    }
    return this.#shown;
  }

  /** Forgets the list (a new launch): no slice of it is drawn again. */
  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#list = undefined;
    this.#shown = 0;
  }

  hostUpdated(): void {
    const list = this.#list;
    if (!list || this.#shown >= list.length || this.#timer !== undefined) return;
    // A macrotask, not a microtask: the browser may paint and handle input between slices.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (list !== this.#list) return;
      this.#shown = Math.min(this.#shown + this.#step, list.length);
      this.#host.requestUpdate();
    }, 0);
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // Reconnected mid-list (the element was moved): carry on drawing.
  hostConnected(): void {
    if (this.#list) this.#host.requestUpdate();
  }
}
