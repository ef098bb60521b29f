import { type CSSResult, unsafeCSS } from 'lit';

/**
 * The sidebar's own rem: the user's preferred font size (CSS `medium`, the browser's setting),
 * not the host page's root font size. Many host systems set `html { font-size: 62.5% }` (or
 * Bootstrap 3's `10px`), which would shrink rem-sized text to 10 px; results must stay readable.
 * Registered as a `<length>` so it is computed to px once, on the shadow root's top-level
 * elements, and inherited as that length (an unregistered `1em` would resolve against each
 * element's own font size). The name is namespaced: registration is document-wide.
 * docs/decisions/0004-sidebar-sizes-follow-the-users-font-size.md
 */
export const SIDEBAR_REM = '--care-sidebar-private-rem';

/** Registers SIDEBAR_REM once per document; a second bundle on the same page finds it done. */
export function registerSidebarRem(): void {
  try {
    CSS.registerProperty({ name: SIDEBAR_REM, syntax: '<length>', inherits: true, initialValue: '16px' });
  } catch {
    // Already registered (the bundle loaded twice). Without registration at all the sizes still
    // work, each resolved against its element's own font size.
  }
}

/** `n` of the sidebar's rem, for a css`` template: `padding: ${rem(0.5)}`. */
export function rem(n: number): CSSResult {
  return unsafeCSS(`calc(${n} * var(${SIDEBAR_REM}))`);
}
