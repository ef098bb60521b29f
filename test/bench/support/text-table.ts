/** How the bench prints its figures: one number format and one table layout for every report. */

/** A figure's number with its unit: thousands grouped, `%` signed, ratios and counts bare. */
export function formatNumber(value: number, unit: string): string {
  const n = Math.abs(value) >= 1_000 ? value.toLocaleString('en-GB', { maximumFractionDigits: 0 }) : String(value);
  switch (unit) {
    case 'ratio':
    case 'count':
    case '':
      return n;
    case '%':
      return `${value > 0 ? '+' : ''}${n} %`;
    default:
      return `${n} ${unit}`;
  }
}

/** Rows (the first is the header) as a Markdown table, each column as wide as its widest cell. */
export function textTable(rows: readonly (readonly string[])[]): string {
  const [header, ...body] = rows;
  if (!header) return '';
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
