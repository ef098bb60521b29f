/**
 * What a host page's CSS could change inside <care-sidebar>: the computed style of every element
 * in its shadow root, read in the browser, as computed. Lengths are compared in px: the widget
 * sizes in its own rem (the user's preferred font size), so not even the page's root font size
 * may change them.
 */
import type { Page } from 'playwright-core';

/** Inherited properties (they cross the shadow boundary from the host element) and a few that show breakage. */
export const WATCHED_PROPERTIES = [
  'color',
  'background-color',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-variant-caps',
  'font-stretch',
  'line-height',
  'letter-spacing',
  'word-spacing',
  'text-transform',
  'text-align',
  'text-indent',
  'text-shadow',
  'white-space-collapse',
  'text-wrap-mode',
  'word-break',
  'hyphens',
  'direction',
  'writing-mode',
  'cursor',
  'display',
  'visibility',
  'opacity',
  'pointer-events',
  'color-scheme',
  '-webkit-text-fill-color',
  '-webkit-text-stroke-width',
  'list-style-type',
  'border-top-color',
  'border-left-color',
] as const;

/** Element path (tag.class:nth under the shadow root) → watched property → computed value. */
export type StyleSnapshot = Record<string, Record<string, string>>;

export function shadowStyles(page: Page): Promise<StyleSnapshot> {
  return page.evaluate(
    (properties) => {
      const host = document.querySelector('care-sidebar');
      const root = host?.shadowRoot;
      if (!root) throw new Error('no <care-sidebar> with an open shadow root');
      const out: Record<string, Record<string, string>> = {};
      const walk = (parent: Element | ShadowRoot, path: string) => {
        [...parent.children].forEach((el, i) => {
          const classes = [...el.classList].map((c) => `.${c}`).join('');
          const key = `${path}/${el.localName}${classes}:${i}`;
          const style = getComputedStyle(el);
          out[key] = Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)]));
          walk(el, key);
        });
      };
      walk(root, '');
      return out;
    },
    WATCHED_PROPERTIES as readonly string[],
  );
}

/** Each property of each element that differs between two snapshots, one line each. */
export function styleDifferences(expected: StyleSnapshot, actual: StyleSnapshot): string[] {
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const a = expected[key];
    const b = actual[key];
    if (!a || !b) {
      lines.push(`${key}: ${a ? 'missing' : 'unexpected'}`);
      continue;
    }
    for (const p of Object.keys(a)) if (a[p] !== b[p]) lines.push(`${key} ${p}: ${a[p]} → ${b[p]}`);
  }
  return lines;
}
