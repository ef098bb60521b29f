import { html, nothing, type TemplateResult } from 'lit';
import type { LetterItem } from '@care-sidebar/shared';
import { formatDate } from '../format.ts';
import { metaLine } from './meta-line.ts';

export interface LetterListInput {
  readonly onOpen: (letter: LetterItem) => void;
  /** A short line under the letter while it is opening or after it was opened elsewhere. */
  readonly statusOf: (letter: LetterItem) => string | undefined;
}

// The title is a real button: reachable by Tab, activated by Enter and Space, focus ring in the styles.
function letterItem(letter: LetterItem, { onOpen, statusOf }: LetterListInput): TemplateResult {
  const status = statusOf(letter);
  return html`
    <li part="letter" class="letter">
      <h3 class="letter-title">
        <button type="button" class="letter-open" data-letter-id=${letter.id} @click=${() => onOpen(letter)}>
          ${letter.title}
        </button>
      </h3>
      ${metaLine([letter.type, letter.specialty])}
      ${metaLine([letter.author, letter.date && formatDate(letter.date), letter.source.name])}
      ${status ? html`<p class="letter-status">${status}</p>` : nothing}
    </li>
  `;
}

export function letterList(letters: readonly LetterItem[], input: LetterListInput): TemplateResult {
  return html`<ul class="items" role="list">
    ${letters.map((letter) => letterItem(letter, input))}
  </ul>`;
}
