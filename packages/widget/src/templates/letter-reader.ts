import { html, nothing, type TemplateResult } from 'lit';
import type { LetterContent, LetterItem } from '@care-sidebar/shared';
import { formatDate } from '../format.ts';
import { metaLine } from './meta-line.ts';
import { READER_HEADING_ID } from './reader-heading-id.ts';

export interface LetterReaderInput {
  /** The letter as the summary listed it. */
  readonly item: LetterItem;
  /** Its content, once fetched; absent when `error` says why it cannot be shown. */
  readonly letter?: LetterContent;
  readonly error?: string;
  readonly onBack: () => void;
}

/**
 * The head of every HTML letter's document. The BFF has sanitised the HTML already; this is the
 * second wall: the frame's empty `sandbox` gives it an opaque origin with no scripts, forms,
 * popups or top navigation, and the CSP stops it loading anything (images, fonts, prefetches).
 * It starts the document so no letter markup can come before it.
 */
const FRAME_HEAD =
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
  '<style>body{margin:.75rem;font:1rem/1.5 Frutiger,Arial,sans-serif;color:#212b32;background:#fff;overflow-wrap:anywhere}' +
  'h1,h2,h3,h4{line-height:1.25;font-size:1.125rem}h1{font-size:1.25rem}table{border-collapse:collapse;font-size:inherit}' +
  'th,td{border:1px solid #d8dde0;padding:.25rem .5rem;text-align:left;vertical-align:top}</style>';

export function letterFrameDocument(html: string): string {
  return FRAME_HEAD + html;
}

// HTML only ever reaches the DOM as the frame's srcdoc attribute, never as markup in the shadow root.
function content(letter: LetterContent): TemplateResult {
  return letter.contentType === 'text/html'
    ? html`<iframe
        class="letter-frame"
        sandbox=""
        title="Letter content"
        srcdoc=${letterFrameDocument(letter.content)}
      ></iframe>`
    : html`<pre class="letter-text">${letter.content}</pre>`;
}

export function letterReader({ item, letter, error, onBack }: LetterReaderInput): TemplateResult {
  const date = letter ? letter.date : item.date;
  const onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.stopPropagation(); // handled here: the host page must not also act on it (e.g. close a panel)
    onBack();
  };
  return html`
    <article part="letter-reader" class="reader" aria-labelledby=${READER_HEADING_ID} @keydown=${onKeydown}>
      <button type="button" class="back" @click=${onBack}><span aria-hidden="true">‹</span> Back to summary</button>
      <h2 id=${READER_HEADING_ID} class="reader-heading" tabindex="-1">${letter?.title ?? item.title}</h2>
      ${metaLine([item.type, item.specialty])}
      ${metaLine([item.author, date && formatDate(date), letter?.source.name ?? item.source.name])}
      ${error ? html`<p class="notice error" data-kind="letter-error">${error}</p>` : nothing}
      ${letter ? content(letter) : nothing}
    </article>
  `;
}
