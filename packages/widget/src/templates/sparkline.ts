import { nothing, svg, type SVGTemplateResult } from 'lit';
import type { HistoryPoint } from '@care-sidebar/shared';
import { formatDate } from '../format.ts';

const WIDTH = 160;
const HEIGHT = 36;
const PAD = 4;

interface Plotted {
  readonly t: number;
  readonly v: number;
  readonly abnormal: boolean;
}

/**
 * The numeric values to plot: current values only (a superseded value was wrong), all in the unit of
 * the newest one, oldest first. Values in another unit or with a comparator ("<5") are left out of
 * the line rather than drawn at a misleading height; the table under it still lists them.
 */
export function plottable(points: readonly HistoryPoint[]): { points: Plotted[]; unit: string | undefined } {
  const current = points.filter((p) => !p.superseded && p.value.kind === 'quantity');
  const newest = current[0]?.value;
  const unit = newest?.kind === 'quantity' ? newest.unit : undefined;
  const plotted = current.flatMap((p) =>
    p.value.kind === 'quantity' && p.value.unit === unit && !p.value.comparator
      ? [{ t: Date.parse(p.at), v: p.value.value, abnormal: p.interpretation?.abnormal === true }]
      : [],
  );
  return { points: plotted.sort((a, b) => a.t - b.t), unit };
}

/**
 * A small inline trend line (no chart library), oldest on the left. Its accessible name says what it
 * shows in words; the values themselves are in the table beside it.
 */
export function sparkline(name: string, history: readonly HistoryPoint[]): SVGTemplateResult | typeof nothing {
  const { points, unit } = plottable(history);
  if (points.length < 2) return nothing;
  const first = points[0] as Plotted;
  const last = points[points.length - 1] as Plotted;
  const values = points.map((p) => p.v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = last.t - first.t || 1;
  const x = (t: number) => PAD + ((t - first.t) / span) * (WIDTH - 2 * PAD);
  // A flat series is drawn across the middle.
  const y = (v: number) => (max === min ? HEIGHT / 2 : PAD + ((max - v) / (max - min)) * (HEIGHT - 2 * PAD));
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const u = unit ? ` ${unit}` : '';
  const label =
    `Trend of ${name}: ${points.length} results from ${formatDate(new Date(first.t).toISOString())} ` +
    `to ${formatDate(new Date(last.t).toISOString())}, lowest ${min}${u}, highest ${max}${u}, latest ${last.v}${u}`;
  return svg`<svg class="sparkline" role="img" aria-label=${label} viewBox="0 0 ${WIDTH} ${HEIGHT}" width=${WIDTH} height=${HEIGHT}>
    <polyline class="sparkline-line" points=${line} fill="none" />
    ${points.map(
      (p) =>
        svg`<circle class="sparkline-point" data-abnormal=${p.abnormal ? 'true' : 'false'} cx=${x(p.t).toFixed(1)} cy=${y(p.v).toFixed(1)} r=${p === last ? 3 : 2} />`,
    )}
  </svg>`;
}
