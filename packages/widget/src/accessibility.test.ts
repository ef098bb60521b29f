import { expect } from 'chai';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { AxeResults, RunOptions } from 'axe-core';
import type { LetterItem } from '@care-sidebar/shared';
import type { CareSidebar } from './care-sidebar.component.ts';
import {
  AS_OF,
  HOSPITAL_A,
  HOSPITAL_B,
  letterContentFor,
  optedOutFor,
  PATIENT_A,
  PATIENT_C,
  sessionFor,
  summaryFor,
  type TestPatient,
} from './test-support/fixtures.ts';
import {
  deferred,
  letterReply,
  onLetter,
  onSession,
  onSummary,
  problemReply,
  releaseGates,
  sessionReply,
  startMockBff,
  summaryReply,
  worker,
  type Reply,
} from './test-support/mock-bff.ts';
import { mount, shadow, textOf, unmountAll, waitFor } from './test-support/sidebar-harness.ts';

// WCAG 2.2 AA checks with axe-core in the real browser. Assertions compare strings only: a failing
// chai comparison of DOM nodes makes this runner serialise the DOM graph and hang.

declare global {
  interface Window {
    axe?: typeof import('axe-core');
  }
}

const WCAG_AA: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  // The letter frame is sandboxed with no scripts: axe cannot run inside it (its title is checked
  // on the <iframe> itself, from here). Not waiting on it keeps the run quick.
  iframes: false,
  resultTypes: ['violations'],
};

/** Loads axe-core's browser build once, as the page would with a script tag. */
async function loadAxe(): Promise<NonNullable<Window['axe']>> {
  if (!window.axe) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/node_modules/axe-core/axe.min.js';
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('could not load axe-core'));
      document.head.append(script);
    });
  }
  if (!window.axe) throw new Error('axe-core did not define window.axe');
  return window.axe;
}

/** Every violation, one line per failing node: empty when axe found nothing. */
function describeViolations(results: AxeResults): string {
  return results.violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    ${JSON.stringify(n.target)} ${n.html.slice(0, 160)}\n      ${n.failureSummary ?? ''}`)
        .join('\n');
      return `${v.id} (${v.impact ?? 'no impact'}): ${v.help}\n${nodes}`;
    })
    .join('\n');
}

async function expectNoViolations(el: CareSidebar, state: string): Promise<void> {
  const axe = await loadAxe();
  await el.updateComplete;
  const results = await axe.run(el, WCAG_AA);
  const report = describeViolations(results);
  expect(report, `axe violations in the ${state} state:\n${report}`).to.equal('');
}

const tokenFor = (p: TestPatient): string => `token-${p.launch}`;

function serve(patient: TestPatient, summary: (p: TestPatient) => Reply): void {
  worker.use(
    onSession((launch) =>
      launch === patient.launch
        ? sessionReply(sessionFor(patient, tokenFor(patient)))
        : problemReply('launch-invalid', 401),
    ),
    onSummary((token) => (token === tokenFor(patient) ? summary(patient) : problemReply('session-invalid', 401))),
  );
}

async function loaded(launch: string) {
  const mounted = await mount(launch);
  await waitFor(() => mounted.events.length > 0, 'the first event');
  await mounted.el.updateComplete;
  return mounted;
}

const liveRegion = (el: CareSidebar): Element | null => shadow(el).querySelector('[role="status"][aria-live="polite"]');
const letterButton = (el: CareSidebar, letter: LetterItem): HTMLButtonElement => {
  const button = shadow(el).querySelector<HTMLButtonElement>(`[data-letter-id="${letter.id}"]`);
  if (!button) throw new Error(`no button for ${letter.title}`);
  return button;
};
const reader = (el: CareSidebar): Element | null => shadow(el).querySelector('[part~="letter-reader"]');
/** "H2 Title" or "BUTTON Title": what has focus inside the sidebar. */
const focusedName = (el: CareSidebar): string => {
  const active = shadow(el).activeElement;
  return active ? `${active.tagName} ${textOf(active)}` : 'nothing';
};

/** The text of every rule of the shadow root's adopted stylesheets (or its <style> fallback). */
function styleText(el: CareSidebar): string {
  const root = shadow(el);
  const sheets = root.adoptedStyleSheets.length
    ? root.adoptedStyleSheets
    : [...root.querySelectorAll('style')].flatMap((s) => (s.sheet ? [s.sheet] : []));
  return sheets.flatMap((sheet) => [...sheet.cssRules].map((rule) => rule.cssText)).join('\n');
}

/** The @media rules of the shadow root's adopted stylesheets whose condition mentions `condition`. */
function mediaRules(el: CareSidebar, condition: string): CSSMediaRule[] {
  return shadow(el)
    .adoptedStyleSheets.flatMap((sheet) => [...sheet.cssRules])
    .filter((rule): rule is CSSMediaRule => rule instanceof CSSMediaRule && rule.conditionText.includes(condition));
}

/**
 * "value" (or "value !important") of `property` in the rule for `selector` inside those @media
 * rules, or "" if there is none. Read from the CSSOM, so it does not depend on how the browser
 * serialises shorthands.
 */
function mediaDeclaration(el: CareSidebar, condition: string, selector: string, property: string): string {
  for (const media of mediaRules(el, condition)) {
    for (const rule of media.cssRules) {
      if (!(rule instanceof CSSStyleRule)) continue;
      if (!rule.selectorText.split(',').some((s) => s.trim() === selector)) continue;
      const value = rule.style.getPropertyValue(property);
      if (value) return `${value}${rule.style.getPropertyPriority(property) ? ' !important' : ''}`.toLowerCase();
    }
  }
  return '';
}

describe('<care-sidebar> accessibility', () => {
  const [HTML_LETTER, TEXT_LETTER] = PATIENT_A.letters as [LetterItem, LetterItem, LetterItem];

  before(async () => {
    await startMockBff();
    await loadAxe();
  });
  afterEach(async () => {
    releaseGates();
    unmountAll();
    worker.resetHandlers();
    await emulateMedia({ reducedMotion: 'no-preference' });
  });
  after(() => worker.stop());

  describe('axe-core finds no WCAG 2.2 A/AA violations', () => {
    it('while loading (banner and section placeholders)', async () => {
      const gate = deferred();
      serve(PATIENT_A, (p) => gate.promise.then(() => summaryReply(summaryFor(p))));
      const { el } = await mount(PATIENT_A.launch);
      await waitFor(() => shadow(el).querySelector('.nhs-number') !== null, 'the session (NHS number)');
      expect(shadow(el).querySelectorAll('[data-status="loading"]').length).to.equal(3);
      await expectNoViolations(el, 'loading');
      gate.resolve();
    });

    it('with data: high-risk flags, abnormal and critical results, status badges, letters', async () => {
      serve(PATIENT_A, (p) => summaryReply(summaryFor(p)));
      const { el } = await loaded(PATIENT_A.launch);
      expect(shadow(el).querySelectorAll('.interpretation[data-critical="true"]').length).to.equal(1);
      await expectNoViolations(el, 'data');
    });

    it("with an analyte's history open (trend line, table, a replaced value)", async () => {
      serve(PATIENT_A, (p) => summaryReply(summaryFor(p)));
      const { el } = await loaded(PATIENT_A.launch);
      shadow(el).querySelector<HTMLButtonElement>('.history-toggle')!.click();
      await waitFor(() => shadow(el).querySelector('.history svg[role="img"]') !== null, 'the history (lazily loaded)');
      await expectNoViolations(el, 'history open');
    });

    it('with partial sections (a source unreachable, a source incomplete, a section unavailable)', async () => {
      serve(PATIENT_A, (p) =>
        summaryReply(
          summaryFor(p, {
            flags: {
              status: 'unavailable',
              items: [],
              sources: [
                { source: HOSPITAL_A, status: 'unavailable' },
                { source: HOSPITAL_B, status: 'mismatch' },
              ],
            },
            results: {
              history: [],
              status: 'partial',
              asOf: AS_OF,
              items: p.results.filter((r) => r.source.id === HOSPITAL_A.id),
              sources: [
                { source: HOSPITAL_A, status: 'ok', asOf: AS_OF },
                { source: HOSPITAL_B, status: 'unavailable' },
              ],
            },
            letters: {
              status: 'partial',
              asOf: AS_OF,
              items: p.letters,
              sources: [
                { source: HOSPITAL_A, status: 'incomplete', asOf: AS_OF },
                { source: HOSPITAL_B, status: 'ok', asOf: AS_OF },
              ],
            },
          }),
        ),
      );
      const { el } = await loaded(PATIENT_A.launch);
      expect(textOf(shadow(el))).to.include('Hospital B could not be reached; results may be incomplete');
      await expectNoViolations(el, 'partial');
    });

    it('for a patient who opted out', async () => {
      serve(PATIENT_A, (p) => summaryReply(optedOutFor(p)));
      const { el } = await loaded(PATIENT_A.launch);
      expect(textOf(shadow(el))).to.include('opted out');
      await expectNoViolations(el, 'opted-out');
    });

    it('for a patient with nothing to show', async () => {
      serve(PATIENT_C, (p) => summaryReply(summaryFor(p)));
      const { el } = await loaded(PATIENT_C.launch);
      expect(textOf(shadow(el))).to.include('No risk flags');
      await expectNoViolations(el, 'empty');
    });

    it('once the session has expired', async () => {
      serve(PATIENT_A, (p) => summaryReply(summaryFor(p)));
      const { el, events } = await loaded(PATIENT_A.launch);
      worker.use(onSummary(() => problemReply('session-expired', 401)));
      el.refresh();
      await waitFor(() => events.length === 2, 'the session-expired event');
      expect(textOf(shadow(el))).to.include('Session ended');
      await expectNoViolations(el, 'expired');
    });

    it('when the record cannot be shown (an error)', async () => {
      serve(PATIENT_A, () => problemReply('audit-unavailable', 503));
      const { el } = await loaded(PATIENT_A.launch);
      expect(shadow(el).querySelector('[data-kind="error"]') !== null).to.equal(true);
      await expectNoViolations(el, 'error');
    });

    describe('with a letter open', () => {
      beforeEach(() => {
        serve(PATIENT_A, (p) => summaryReply(summaryFor(p)));
        worker.use(
          onLetter((id) => {
            if (id === HTML_LETTER.id) {
              return letterReply(
                letterContentFor(HTML_LETTER, 'text/html', '<h1>Discharge summary</h1><p>Diagnosis: heart failure</p>'),
              );
            }
            if (id === TEXT_LETTER.id) return letterReply(letterContentFor(TEXT_LETTER, 'text/plain', 'Dear Dr Test,'));
            return problemReply('letter-content-unavailable', 404);
          }),
        );
      });

      async function open(letter: LetterItem): Promise<CareSidebar> {
        const { el } = await loaded(PATIENT_A.launch);
        letterButton(el, letter).click();
        await waitFor(() => reader(el) !== null, 'the reader');
        await el.updateComplete;
        return el;
      }

      it('an HTML letter in its titled, sandboxed frame', async () => {
        const el = await open(HTML_LETTER);
        const frame = reader(el)?.querySelector('iframe');
        expect(frame?.getAttribute('title') ?? '').to.match(/\S/);
        await expectNoViolations(el, 'letter open (HTML)');
      });

      it('a plain-text letter', async () => {
        const el = await open(TEXT_LETTER);
        expect(reader(el)?.querySelector('.letter-text') != null).to.equal(true);
        await expectNoViolations(el, 'letter open (text)');
      });

      it('a letter that could not be fetched', async () => {
        const el = await open(PATIENT_A.letters[2]!);
        // A PDF goes to a new window; this letter's request fails instead, so the reader shows why.
        expect(reader(el)?.querySelector('[data-kind="letter-error"]') != null).to.equal(true);
        await expectNoViolations(el, 'letter failed');
      });
    });
  });

  describe('keyboard and focus', () => {
    beforeEach(() => {
      serve(PATIENT_A, (p) => summaryReply(summaryFor(p)));
      worker.use(onLetter(() => letterReply(letterContentFor(HTML_LETTER, 'text/html', '<p>Letter</p>'))));
    });

    it('reaches every control and letter by Tab, shows a focus style on each, and moves into and out of the reader', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const before = document.createElement('button');
      before.textContent = 'host control';
      el.before(before);
      try {
        before.focus();
        const reached: string[] = [];
        const lastLetter = `BUTTON ${PATIENT_A.letters[PATIENT_A.letters.length - 1]?.title}`;
        for (let i = 0; i < 30 && reached[reached.length - 1] !== lastLetter; i++) {
          await sendKeys({ press: 'Tab' });
          const active = shadow(el).activeElement as HTMLElement | null;
          reached.push(focusedName(el));
          expect(active?.matches(':focus-visible') ?? false, `focus visible on ${focusedName(el)}`).to.equal(true);
          const style = active ? getComputedStyle(active) : undefined;
          expect(style?.backgroundColor, `the NHS yellow focus style on ${focusedName(el)}`).to.equal(
            'rgb(255, 235, 59)',
          );
        }
        // In reading order: each section's age and refresh control, then its items.
        expect(reached.filter((r) => r.startsWith('BUTTON Refresh'))).to.deep.equal([
          'BUTTON Refresh risk flags',
          'BUTTON Refresh results',
          'BUTTON Refresh letters',
        ]);
        expect(reached.filter((r) => PATIENT_A.letters.some((l) => r === `BUTTON ${l.title}`))).to.deep.equal(
          PATIENT_A.letters.map((l) => `BUTTON ${l.title}`),
        );

        // Into the reader: focus lands on its heading, the first thing it says.
        letterButton(el, HTML_LETTER).focus();
        await sendKeys({ press: 'Enter' });
        await waitFor(() => reader(el) !== null, 'the reader');
        await el.updateComplete;
        expect(focusedName(el)).to.equal(`H2 ${HTML_LETTER.title}`);
        expect(getComputedStyle(shadow(el).activeElement!).backgroundColor).to.equal('rgb(255, 235, 59)');
        // Tab moves on from the heading to the frame (the back button is before it), not out of the widget.
        await sendKeys({ press: 'Tab' });
        const frame = shadow(el).activeElement;
        expect(frame?.tagName ?? 'nothing').to.equal('IFRAME');
        // Chromium matches no focus pseudo-class on a frame owner whose (sandboxed, cross-origin)
        // document has the focus, and fires it no focus event: the component marks it instead.
        await waitFor(() => frame?.hasAttribute('data-focused') === true, 'the frame marked as focused');
        expect(getComputedStyle(frame!).outlineStyle, 'a ring on the focused frame').to.equal('solid');
        // Shift+Tab: back past the heading (focusable only by script) to "Back to summary".
        await sendKeys({ down: 'Shift' });
        await sendKeys({ press: 'Tab' });
        await sendKeys({ up: 'Shift' });
        expect(focusedName(el)).to.equal('BUTTON ‹ Back to summary');
        expect(shadow(el).activeElement?.matches(':focus-visible') ?? false).to.equal(true);
        await waitFor(() => frame?.hasAttribute('data-focused') === false, 'the frame no longer marked');
        // Out of the reader: focus returns to the letter that opened it.
        await sendKeys({ press: 'Enter' });
        await waitFor(() => focusedName(el) === `BUTTON ${HTML_LETTER.title}`, 'focus back on the letter');
        expect(reader(el) === null).to.equal(true);
      } finally {
        before.remove();
      }
    });

    it('has a focus style for the reader heading and the letter frame', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const rules = styleText(el);
      expect(rules).to.match(/\.letter-frame:focus-visible/);
      expect(rules).to.match(/\.reader-heading:focus-visible/);
    });
  });

  describe('live region', () => {
    it('announces loading, then loaded, from one polite status region that stays in place', async () => {
      const gate = deferred();
      serve(PATIENT_A, (p) => gate.promise.then(() => summaryReply(summaryFor(p))));
      const { el, events } = await mount(PATIENT_A.launch);
      const region = liveRegion(el);
      expect(region !== null, 'a polite status region').to.equal(true);
      await waitFor(() => textOf(region!) === 'Loading hospital record', 'the loading announcement');
      gate.resolve();
      await waitFor(() => events.length > 0, 'the summary');
      await el.updateComplete;
      // The same element: a region that was replaced would not be announced by screen readers.
      expect(liveRegion(el) === region, 'the same live region element').to.equal(true);
      expect(textOf(region!)).to.equal('Hospital record loaded');
    });
  });

  describe('motion and forced colours', () => {
    it('turns off the skeleton shimmer and transitions when reduced motion is preferred', async () => {
      const gate = deferred();
      serve(PATIENT_A, (p) => gate.promise.then(() => summaryReply(summaryFor(p))));
      const { el } = await mount(PATIENT_A.launch);
      const skeleton = shadow(el).querySelector('.skeleton');
      expect(skeleton !== null, 'a skeleton placeholder').to.equal(true);
      expect(getComputedStyle(skeleton!).animationName).to.equal('pulse');
      await emulateMedia({ reducedMotion: 'reduce' });
      expect(getComputedStyle(skeleton!).animationName).to.equal('none');

      const reduce = (selector: string, property: string): string =>
        mediaDeclaration(el, 'prefers-reduced-motion: reduce', selector, property);
      for (const selector of ['*', '::before', '::after']) {
        expect(reduce(selector, 'animation-name'), `animation off for ${selector}`).to.equal('none !important');
        expect(reduce(selector, 'transition-property'), `transitions off for ${selector}`).to.equal('none !important');
      }
      gate.resolve();
    });

    it('keeps abnormal markers, focus rings and borders visible in forced-colours mode', async () => {
      serve(PATIENT_A, (p) => summaryReply(summaryFor(p)));
      const { el } = await loaded(PATIENT_A.launch);
      const forced = (selector: string, property: string): string =>
        mediaDeclaration(el, 'forced-colors: active', selector, property);
      expect(mediaRules(el, 'forced-colors: active').length, 'an @media (forced-colors: active) rule').to.be.above(0);
      // Focus: a system-colour outline on every focusable element (the yellow background and
      // box-shadow are dropped in forced colours).
      for (const selector of [
        '.letter-open:focus-visible',
        '.back:focus-visible',
        '.reader-heading:focus-visible',
        '.letter-frame:focus-visible',
        '.letter-frame[data-focused]',
        'time:focus-visible',
        '.refresh:focus-visible',
        '.history-toggle:focus-visible',
      ]) {
        expect(`${forced(selector, 'outline-style')} ${forced(selector, 'outline-color')}`, selector).to.equal(
          'solid highlight',
        );
      }
      // Critical results keep a border, not only the background forced colours removes.
      const critical = '.interpretation[data-critical="true"]';
      expect(`${forced(critical, 'border-top-style')} ${forced(critical, 'border-top-color')}`).to.equal(
        'solid canvastext',
      );
      // High-risk flags keep their thick left border, in a system colour.
      expect(forced('.flag[data-severity="high"]', 'border-left-color')).to.equal('canvastext');
      // Placeholders and the banner keep an edge so they do not vanish with their background.
      expect(forced('.skeleton', 'border-top-color')).to.equal('graytext');
      expect(forced('.banner', 'border-bottom-color')).to.equal('canvastext');
    });
  });
});
