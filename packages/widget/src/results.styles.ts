import { css } from 'lit';
import { rem } from './sidebar-rem.ts';

// Styles for the parts added to the sections: "Updated … ago" with refresh, result history, and the
// long-list rendering. Uses the private --_* tokens set on :host in care-sidebar.styles.ts.
export default css`
  .as-of {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 0 ${rem(0.5)};
  }

  /* The exact time (also .visually-hidden) is read by screen readers always, and shown on hover or
     keyboard focus. */
  time:hover .exact-time,
  time:focus .exact-time {
    position: static;
    width: auto;
    height: auto;
    overflow: visible;
    clip-path: none;
  }

  .refresh,
  .history-toggle {
    padding: ${rem(0.125)} ${rem(0.5)};
    border: 1px solid var(--_secondary);
    border-radius: 4px;
    background: var(--_background);
    color: var(--_text);
    font: inherit;
    font-size: ${rem(0.875)};
    cursor: pointer;
  }

  .history-toggle {
    margin-inline-start: auto;
  }

  .refresh:hover,
  .history-toggle:hover {
    background: var(--_surface);
  }

  /* NHS focus style, as for the other controls. */
  time:focus-visible,
  .refresh:focus-visible,
  .history-toggle:focus-visible {
    outline: 3px solid transparent;
    color: #212b32;
    background: #ffeb3b;
    box-shadow:
      0 0 0 2px #ffeb3b,
      0 0 0 4px #212b32;
  }

  /* Off-screen reports skip layout and paint until scrolled near: a long list stays cheap to draw. */
  .report {
    content-visibility: auto;
    contain-intrinsic-size: auto ${rem(8)};
  }

  .history-panel {
    flex-basis: 100%;
  }

  .history {
    margin: ${rem(0.25)} 0 ${rem(0.5)};
    padding: ${rem(0.5)};
    background: var(--_surface);
  }

  .sparkline {
    display: block;
    max-width: 100%;
    height: auto;
    margin-bottom: ${rem(0.25)};
  }

  .sparkline-line {
    stroke: var(--_text);
    stroke-width: 1.5;
  }

  .sparkline-point {
    fill: var(--_text);
  }

  .sparkline-point[data-abnormal='true'] {
    fill: var(--_abnormal);
  }

  .history-table {
    width: 100%;
    border-collapse: collapse;
    font-size: ${rem(0.875)};
    font-variant-numeric: tabular-nums;
  }

  .history-table th,
  .history-table td {
    padding: ${rem(0.125)} ${rem(0.25)};
    border-bottom: 1px solid var(--_border);
    text-align: start;
    vertical-align: top;
  }

  .history-flag,
  .history-superseded {
    display: block;
    font-weight: 700;
  }

  .history-table tr[data-abnormal='true'] .history-flag {
    color: var(--_abnormal);
  }

  .history-superseded {
    font-weight: 400;
    color: var(--_secondary);
  }

  @media (forced-colors: active) {
    time:focus-visible,
    .refresh:focus-visible,
    .history-toggle:focus-visible {
      outline: 3px solid Highlight;
      outline-offset: 2px;
    }

    .sparkline-line {
      stroke: CanvasText;
    }

    .sparkline-point,
    .sparkline-point[data-abnormal='true'] {
      fill: CanvasText;
    }
  }
`;
