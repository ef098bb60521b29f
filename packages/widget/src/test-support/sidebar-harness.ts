import '../care-sidebar.ts';
import type { CareSidebar } from '../care-sidebar.component.ts';
import { BFF_URL } from './mock-bff.ts';

export interface Mounted {
  readonly el: CareSidebar;
  /** Every care-sidebar-* event the element fired, in order. */
  readonly events: Event[];
}

const mounted: CareSidebar[] = [];

const EVENT_NAMES = [
  'care-sidebar-ready',
  'care-sidebar-error',
  'care-sidebar-session-expired',
  'care-sidebar-letter-opened',
] as const;

/** Creates the element, listening for its events before it can fire any. */
export async function mount(launch = ''): Promise<Mounted> {
  const el = document.createElement('care-sidebar');
  const events: Event[] = [];
  for (const name of EVENT_NAMES) el.addEventListener(name, (e) => events.push(e));
  el.bffUrl = BFF_URL;
  el.launch = launch;
  document.body.append(el);
  mounted.push(el);
  await el.updateComplete;
  return { el, events };
}

/** Removes every element, first clearing its launch so no request of a finished test runs on. */
export function unmountAll(): void {
  for (const el of mounted.splice(0)) {
    el.launch = '';
    el.remove();
  }
}

export function shadow(el: CareSidebar): ShadowRoot {
  if (!el.shadowRoot) throw new Error('care-sidebar has no shadow root');
  return el.shadowRoot;
}

/** The visible text of the shadow root, whitespace collapsed. */
export function textOf(node: Node): string {
  return (node.textContent ?? '').replace(/\s+/g, ' ').trim();
}

export function bannerNhsNumber(el: CareSidebar): string | undefined {
  return shadow(el).querySelector('[part~="banner"] .nhs-number')?.textContent?.trim();
}

export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function nextEvent(el: CareSidebar, name: string): Promise<Event> {
  return new Promise((resolve) => el.addEventListener(name, resolve, { once: true }));
}

export interface FetchSpy {
  readonly calls: { readonly url: string; readonly init: RequestInit | undefined }[];
  /** Resolves once every fetch started so far has settled and the page has had time to react. */
  settled(): Promise<void>;
  restore(): void;
}

/**
 * Wraps window.fetch to record calls. With `ignoreAbort`, requests are sent without their
 * AbortSignal, as if each had already been answered before the abort: the widget then has
 * only its run counter to drop the stale answer, which is what the race tests must prove.
 */
export function spyOnFetch(options: { ignoreAbort?: boolean } = {}): FetchSpy {
  const original = window.fetch;
  const calls: FetchSpy['calls'] = [];
  const pending: Promise<unknown>[] = [];
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input instanceof Request ? input.url : input), init });
    const sent = options.ignoreAbort && init ? { ...init, signal: null } : init;
    const response = original.call(window, input, sent);
    pending.push(response.then((r) => r.clone().text()).catch(() => undefined));
    return response;
  };
  return {
    calls,
    async settled() {
      await Promise.all(pending);
      await new Promise((r) => setTimeout(r, 50));
    },
    restore() {
      window.fetch = original;
    },
  };
}

export interface ShadowWatch {
  /** Every check that failed, described; empty means every mutation passed. */
  readonly failures: string[];
  readonly checks: number;
  stop(): void;
}

/** Runs `check` after every batch of DOM mutations in the shadow root (a MutationObserver callback). */
export function watchShadow(el: CareSidebar, check: () => string | undefined): ShadowWatch {
  const failures: string[] = [];
  let checks = 0;
  const observer = new MutationObserver(() => {
    checks++;
    const failure = check();
    if (failure) failures.push(failure);
  });
  observer.observe(shadow(el), { subtree: true, childList: true, characterData: true, attributes: true });
  return {
    failures,
    get checks() {
      return checks;
    },
    stop: () => observer.disconnect(),
  };
}
