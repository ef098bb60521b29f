import sanitizeHtml from 'sanitize-html';

/**
 * Letter HTML from a hospital is untrusted (FHIR narrative rules forbid script, forms, frames and
 * event handlers, but a receiver cannot assume the sender complied). Keep the structure a reader
 * needs — headings, paragraphs, lists, tables, emphasis — and drop everything that could run,
 * navigate, load a remote resource or restyle the page. Links keep their text, lose their target.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'div',
    'span',
    'pre',
    'blockquote',
    'b',
    'strong',
    'i',
    'em',
    'u',
    'sub',
    'sup',
    'small',
    'code',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'table',
    'caption',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'col',
    'colgroup',
  ],
  allowedAttributes: { th: ['colspan', 'rowspan', 'scope'], td: ['colspan', 'rowspan'], ol: ['start'] },
  allowedSchemes: [],
  allowProtocolRelative: false,
  // Content of these is dropped with the tag, not kept as text.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'noscript',
    'title',
    'head',
    'template',
    'iframe',
    'object',
    'embed',
    'svg',
    'math',
  ],
  disallowedTagsMode: 'discard',
};

export function sanitiseLetterHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
