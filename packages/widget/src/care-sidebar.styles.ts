import { css, unsafeCSS } from 'lit';
import { rem, SIDEBAR_REM } from './sidebar-rem.ts';

// Public --care-sidebar-* tokens are read once here into private --_* ones (material-web's pattern).
// Defaults are NHS identity colours; each text/background pair meets WCAG AA (4.5:1) or better.
export default css`
  /* The host page owns the element's box (display, size, position, margin). Nothing else of it is
     relied on: inherited properties cross the shadow boundary, so the wrapper rule below sets them. */
  :host {
    display: block;
    min-width: 0;
    background: var(--care-sidebar-background, #ffffff);
  }

  /* Every top-level element of the shadow root: the tokens (declared here, not on :host, so a page
     rule that matches the host element cannot set the private ones) and every inherited property
     that a host page's global CSS would otherwise pass down (e.g. * { font: 40px/3 cursive; color:
     red; text-transform: uppercase; letter-spacing: 1em; direction: rtl }). Sizes are in the
     sidebar's own rem (sidebar-rem.ts): the user's preferred font size, whatever the page's root.
     visibility and pointer-events stay inherited on purpose: a host may hide or disable the sidebar. */
  :host > * {
    --_font: var(--care-sidebar-font-family, Frutiger, Arial, sans-serif);
    --_text: var(--care-sidebar-text-color, #212b32);
    --_secondary: var(--care-sidebar-secondary-text-color, #4c6272);
    --_background: var(--care-sidebar-background, #ffffff);
    --_surface: var(--care-sidebar-surface-color, #f0f4f5);
    --_border: var(--care-sidebar-border-color, #d8dde0);
    --_banner-background: var(--care-sidebar-banner-background, #005eb8);
    --_banner-text: var(--care-sidebar-banner-text-color, #ffffff);
    --_abnormal: var(--care-sidebar-abnormal-color, #d5281b);
    --_critical-background: var(--care-sidebar-critical-background, #d5281b);
    --_critical-text: var(--care-sidebar-critical-text-color, #ffffff);
    --_warning-background: var(--care-sidebar-warning-background, #fff9c4);
    --_warning-border: var(--care-sidebar-warning-border-color, #ffb81c);

    color-scheme: light;
    color: var(--_text);
    -webkit-text-fill-color: currentcolor;
    -webkit-text-stroke: 0;
    background: var(--_background);
    font-family: var(--_font);
    font-size: medium;
    ${unsafeCSS(SIDEBAR_REM)}: 1em;
    font-style: normal;
    font-weight: 400;
    font-variant: normal;
    font-stretch: normal;
    font-kerning: auto;
    font-feature-settings: normal;
    font-variation-settings: normal;
    font-size-adjust: none;
    line-height: 1.4;
    letter-spacing: normal;
    word-spacing: normal;
    text-transform: none;
    text-align: start;
    text-align-last: auto;
    text-indent: 0;
    text-shadow: none;
    text-emphasis: none;
    text-rendering: auto;
    white-space: normal;
    word-break: normal;
    overflow-wrap: anywhere;
    line-break: auto;
    hyphens: manual;
    tab-size: 8;
    direction: ltr;
    writing-mode: horizontal-tb;
    text-orientation: mixed;
    list-style: disc outside none;
    quotes: auto;
    cursor: auto;
    caret-color: auto;
    accent-color: auto;
    paint-order: normal;
  }

  :host([hidden]) {
    display: none;
  }

  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  [hidden] {
    display: none !important;
  }

  p,
  h2,
  h3,
  ul {
    margin: 0;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }

  .banner {
    padding: ${rem(0.5)} ${rem(0.75)};
    background: var(--_banner-background);
    color: var(--_banner-text);
  }

  .patient-name {
    font-size: ${rem(1.125)};
    font-weight: 700;
  }

  .identifiers {
    display: flex;
    flex-wrap: wrap;
    gap: 0 ${rem(1)};
  }

  .nhs-number {
    font-weight: 700;
    white-space: nowrap;
    font-variant-numeric: tabular-nums;
  }

  .section {
    padding: ${rem(0.75)};
    border-bottom: 1px solid var(--_border);
  }

  h2 {
    font-size: ${rem(1.125)};
  }

  h3 {
    font-size: ${rem(1)};
  }

  .as-of,
  .meta,
  .range {
    color: var(--_secondary);
    font-size: ${rem(0.875)};
  }

  .notice {
    margin-top: ${rem(0.5)};
    padding: ${rem(0.5)};
    background: var(--_surface);
  }

  .notice[data-kind='warning'],
  .notice.error,
  .notice.opted-out {
    margin: ${rem(0.75)};
    border-left: 4px solid var(--_warning-border);
    background: var(--_warning-background);
  }

  .section .notice[data-kind='warning'] {
    margin: ${rem(0.5)} 0 0;
  }

  /* A column, not a grid: a grid of hundreds of items is laid out again whole as each page arrives. */
  .items {
    list-style: none;
    padding: 0;
    margin-top: ${rem(0.5)};
    display: flex;
    flex-direction: column;
    gap: ${rem(0.5)};
  }

  .flag,
  .report,
  .letter {
    padding: ${rem(0.5)};
    border: 1px solid var(--_border);
    border-radius: 4px;
  }

  .flag[data-severity='high'] {
    border-left: 4px solid var(--_abnormal);
  }

  .severity {
    font-size: ${rem(0.875)};
    font-weight: 700;
  }

  .flag[data-severity='high'] .severity {
    color: var(--_abnormal);
  }

  .observations {
    list-style: none;
    padding: 0;
    margin-top: ${rem(0.25)};
  }

  .observation {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0 ${rem(0.5)};
    padding: ${rem(0.25)} 0;
    border-top: 1px solid var(--_surface);
  }

  .observation-name {
    flex: 1 1 ${rem(8)};
  }

  .observation-value {
    font-weight: 700;
    font-variant-numeric: tabular-nums;
  }

  .observation[data-abnormal='true'] .observation-value,
  .interpretation {
    color: var(--_abnormal);
  }

  .interpretation[data-critical='true'] {
    padding: 0 ${rem(0.25)};
    border-radius: 2px;
    color: var(--_critical-text);
    background: var(--_critical-background);
  }

  .derived {
    font-weight: 400;
    font-size: ${rem(0.875)};
  }

  .range {
    flex-basis: 100%;
  }

  .badge {
    display: inline-block;
    padding: 0 ${rem(0.25)};
    border: 1px solid currentColor;
    border-radius: 2px;
    font-size: ${rem(0.875)};
    font-weight: 700;
  }

  .flag-reason,
  .letter-status {
    font-size: ${rem(0.875)};
  }

  .letter-status {
    color: var(--_secondary);
  }

  .letter-open,
  .back {
    padding: 0;
    border: 0;
    background: none;
    color: inherit;
    font: inherit;
    text-align: start;
    text-decoration: underline;
    cursor: pointer;
  }

  .letter-open:hover,
  .back:hover {
    text-decoration-thickness: 3px;
  }

  /* NHS focus style: yellow with a dark underline, visible on any background; the transparent
     outline keeps a ring in forced-colours mode. */
  .letter-open:focus-visible,
  .back:focus-visible {
    outline: 3px solid transparent;
    color: #212b32;
    background: #ffeb3b;
    box-shadow:
      0 -2px #ffeb3b,
      0 4px #212b32;
    text-decoration: none;
  }

  /* Focus moves here when a letter opens: the same yellow, so keyboard users see where they are. */
  .reader-heading:focus-visible {
    outline: 3px solid transparent;
    color: #212b32;
    background: #ffeb3b;
    box-shadow:
      0 -2px #ffeb3b,
      0 4px #212b32;
  }

  /* The frame is in the tab order (its document scrolls): a dark ring inside a yellow one. Chromium
     does not match :focus or :focus-visible on a sandboxed frame holding the focus, so the component
     sets data-focused on it as well. */
  .letter-frame:focus-visible,
  .letter-frame[data-focused] {
    outline: 3px solid #212b32;
    outline-offset: 0;
    box-shadow: 0 0 0 6px #ffeb3b;
  }

  .reader {
    display: grid;
    gap: ${rem(0.25)};
    padding: ${rem(0.75)};
  }

  .reader .back {
    justify-self: start;
    margin-bottom: ${rem(0.5)};
  }

  .reader .notice {
    margin: ${rem(0.5)} 0 0;
  }

  .letter-frame {
    display: block;
    width: 100%;
    height: min(70vh, ${rem(40)});
    margin-top: ${rem(0.5)};
    border: 1px solid var(--_border);
    background: #ffffff;
  }

  .letter-text {
    margin: ${rem(0.5)} 0 0;
    font: inherit;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }

  .skeleton {
    display: block;
    border-radius: 4px;
    background: var(--_surface);
  }

  .banner .skeleton {
    opacity: 0.4;
  }

  .skeleton-name {
    width: 60%;
    height: ${rem(1.5)};
  }

  .skeleton-text {
    display: inline-block;
    width: 40%;
    height: ${rem(1)};
  }

  .skeleton-block {
    height: ${rem(2.5)};
    margin-top: ${rem(0.5)};
  }

  @media (prefers-reduced-motion: no-preference) {
    .skeleton {
      animation: pulse 1.5s ease-in-out infinite;
    }
  }

  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation: none !important;
      transition: none !important;
    }
  }

  /* Forced colours (e.g. Windows contrast themes) drop backgrounds and box-shadows: whatever they
     carried is given a border or outline in system colours instead. */
  @media (forced-colors: active) {
    .letter-open:focus-visible,
    .back:focus-visible,
    .reader-heading:focus-visible,
    .letter-frame:focus-visible,
    .letter-frame[data-focused] {
      outline: 3px solid Highlight;
      outline-offset: 2px;
    }

    .banner {
      border-bottom: 1px solid CanvasText;
    }

    .flag[data-severity='high'] {
      border-left-color: CanvasText;
    }

    .interpretation[data-critical='true'] {
      border: 2px solid CanvasText;
    }

    .skeleton {
      border: 1px solid GrayText;
    }
  }

  @keyframes pulse {
    50% {
      opacity: 0.5;
    }
  }
`;
