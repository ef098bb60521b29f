import { html, type TemplateResult } from 'lit';
import type { LetterItem } from '@care-sidebar/shared';
import { formatDate } from '../format.ts';
import { metaLine } from './meta-line.ts';

// Opening a letter is a later issue (the lazily loaded letter-reader); for now a list.
function letterItem(letter: LetterItem): TemplateResult {
  return html`
    <li part="letter" class="letter">
      <h3 class="letter-title">${letter.title}</h3>
      ${metaLine([letter.type, letter.specialty])}
      ${metaLine([letter.author, letter.date && formatDate(letter.date), letter.source.name])}
    </li>
  `;
}

export function letterList(letters: readonly LetterItem[]): TemplateResult {
  return html`<ul class="items" role="list">
    ${letters.map(letterItem)}
  </ul>`;
}
