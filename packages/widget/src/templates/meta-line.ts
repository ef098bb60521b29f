import { html, nothing, type TemplateResult } from 'lit';

/** "Category · Source · 12-Mar-2026", leaving out what is absent. */
export function metaLine(parts: readonly (string | undefined | false)[]): TemplateResult | typeof nothing {
  const present = parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  return present.length ? html`<p class="meta">${present.join(' · ')}</p>` : nothing;
}
