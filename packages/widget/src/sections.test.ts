import { expect } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import type { ResultReport, SessionResponse, SummaryView } from '@care-sidebar/shared';
import type { CareSidebar } from './care-sidebar.component.ts';
import { HOSPITAL_A, PATIENT_A, PATIENT_B, sessionFor, summaryFor, type TestPatient } from './test-support/fixtures.ts';
import {
  onSession,
  onSummary,
  problemReply,
  releaseGates,
  sessionReply,
  startMockBff,
  summaryReply,
  worker,
} from './test-support/mock-bff.ts';
import { bannerNhsNumber, mount, shadow, textOf, unmountAll, waitFor } from './test-support/sidebar-harness.ts';

const PATIENTS = [PATIENT_A, PATIENT_B];
const tokenFor = (p: TestPatient): string => `token-${p.launch}`;

function serve(
  summaries: (p: TestPatient) => SummaryView = (p) => summaryFor(p),
  session: (p: TestPatient) => SessionResponse = (p) => sessionFor(p, tokenFor(p)),
  /** The BFF's clock, for the session answer's Date header (none by default). */
  bffNow?: () => Date,
): { summaryUrls: string[] } {
  const summaryUrls: string[] = [];
  worker.use(
    onSession((launch) => {
      const p = PATIENTS.find((x) => x.launch === launch);
      return p ? sessionReply(session(p), bffNow?.()) : problemReply('launch-invalid', 401);
    }),
    onSummary((token) => {
      const p = PATIENTS.find((x) => tokenFor(x) === token);
      return p ? summaryReply(summaries(p)) : problemReply('session-invalid', 401);
    }),
  );
  // msw hands the handler no URL; record it from the page's fetches instead.
  const original = window.fetch;
  window.fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/api/v1/summary')) summaryUrls.push(url);
    return original.call(window, input, init);
  };
  restoreFetch = () => {
    window.fetch = original;
  };
  return { summaryUrls };
}
let restoreFetch = (): void => undefined;

async function loaded(launch: string) {
  const mounted = await mount(launch);
  await waitFor(() => mounted.events.length > 0, 'the first event');
  await mounted.el.updateComplete;
  return mounted;
}

const creatinineRow = (el: CareSidebar): Element => {
  const row = [...shadow(el).querySelectorAll('.observation')].find(
    (r) => r.querySelector('.observation-name')?.textContent === 'Creatinine',
  );
  if (!row) throw new Error('no Creatinine row');
  return row;
};
const results = (el: CareSidebar): Element[] => [...shadow(el).querySelectorAll('[part~="result"]')];

/** `count` single-value reports for `p`, newest first, one a day. */
function manyReports(p: TestPatient, count: number): ResultReport[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${p.launch}-r${i}`,
    source: HOSPITAL_A,
    name: { display: `Panel ${p.banner.name?.family ?? ''} ${i}` },
    status: 'final' as const,
    effective: new Date(Date.UTC(2026, 10, 24) - i * 86_400_000).toISOString(),
    observations: [
      { id: `o${i}`, name: { display: 'Sodium' }, status: 'final' as const, value: { kind: 'quantity', value: 140 } },
    ],
  }));
}

describe('<care-sidebar> sections', () => {
  before(startMockBff);
  afterEach(() => {
    releaseGates();
    unmountAll();
    restoreFetch();
    worker.resetHandlers();
  });

  describe('result history', () => {
    it('opens an analyte history with a trend line and every value, the replaced one marked', async () => {
      serve();
      const { el } = await loaded(PATIENT_A.launch);
      const toggle = creatinineRow(el).querySelector<HTMLButtonElement>('.history-toggle');
      expect(textOf(toggle!)).to.equal('History (4) of Creatinine');
      expect(toggle!.getAttribute('aria-expanded')).to.equal('false');
      // Rows with no history have no control.
      expect(shadow(el).querySelectorAll('.history-toggle')).to.have.length(1);

      toggle!.click();
      await el.updateComplete;
      expect(toggle!.getAttribute('aria-expanded')).to.equal('true');
      expect(textOf(toggle!)).to.equal('Hide history of Creatinine');
      const panel = shadow(el).getElementById(toggle!.getAttribute('aria-controls')!);
      expect(panel, 'the panel the toggle controls').to.not.equal(null);
      // The history's code is loaded lazily; it may arrive a moment after the panel opens.
      await waitFor(() => panel!.querySelector('tbody tr') !== null, 'the history table');

      const rows = [...panel!.querySelectorAll('tbody tr')].map((r) => textOf(r));
      expect(rows).to.deep.equal([
        '09:15, 24-Nov-2026 182 umol/L High Hospital A',
        '08:30, 17-Nov-2026 310 umol/L Replaced by a later version Hospital A',
        '08:30, 17-Nov-2026 131 umol/L High Hospital A',
        '11:00, 02-Aug-2026 86 umol/L Hospital B',
      ]);
      expect(panel!.querySelector('tr[data-superseded="true"] s')?.textContent).to.equal('310 umol/L');

      // The line joins the current values only, oldest first: 86 → 131 → 182, never the replaced 310.
      const svg = panel!.querySelector('svg.sparkline');
      expect(svg?.getAttribute('role')).to.equal('img');
      expect(svg?.getAttribute('aria-label')).to.equal(
        'Trend of Creatinine: 3 results from 02-Aug-2026 to 24-Nov-2026, lowest 86 umol/L, highest 182 umol/L, latest 182 umol/L',
      );
      const ys = (svg!.querySelector('polyline')!.getAttribute('points') ?? '')
        .split(' ')
        .map((pt) => Number(pt.split(',')[1]));
      expect(ys).to.have.length(3);
      expect(ys[0]! > ys[1]! && ys[1]! > ys[2]!, `rising line (SVG y falls): ${ys.join(', ')}`).to.equal(true);

      toggle!.click();
      await el.updateComplete;
      expect(shadow(el).getElementById(toggle!.getAttribute('aria-controls')!)).to.equal(null);
    });

    it('opens and closes the history from the keyboard', async () => {
      serve();
      const { el } = await loaded(PATIENT_A.launch);
      const toggle = creatinineRow(el).querySelector<HTMLButtonElement>('.history-toggle')!;
      toggle.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(toggle.getAttribute('aria-expanded')).to.equal('true');
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    });

    it('forgets which histories were open when another patient is launched', async () => {
      serve();
      const { el } = await loaded(PATIENT_A.launch);
      creatinineRow(el).querySelector<HTMLButtonElement>('.history-toggle')!.click();
      await el.updateComplete;
      el.launch = PATIENT_B.launch;
      await waitFor(() => bannerNhsNumber(el)?.replace(/ /g, '') === PATIENT_B.banner.nhsNumber, 'patient B');
      el.launch = PATIENT_A.launch;
      await waitFor(
        () => bannerNhsNumber(el)?.replace(/ /g, '') === PATIENT_A.banner.nhsNumber && results(el).length > 0,
        'patient A again',
      );
      await el.updateComplete;
      expect(shadow(el).querySelector('.history')).to.equal(null);
      expect(creatinineRow(el).querySelector('.history-toggle')?.getAttribute('aria-expanded')).to.equal('false');
    });
  });

  describe('a long list of results', () => {
    it('draws 600 reports a slice at a time, newest first, until all are there', async () => {
      serve((p) => ({ ...summaryFor(p), results: { ...summaryFor(p).results, items: manyReports(p, 600) } }));
      const { el, events } = await mount(PATIENT_A.launch);
      // Counted as the first view is announced (the render that drew it), before any later slice's task can run.
      let first = -1;
      el.addEventListener('care-sidebar-ready', () => (first = results(el).length), { once: true });
      await waitFor(() => events.length > 0, 'the first event');
      expect(first, 'the first slice').to.be.within(1, 100);
      await waitFor(() => results(el).length === 600, 'all 600 reports', 5000);
      const names = results(el).map((r) => r.querySelector('.report-name')?.textContent?.trim());
      expect(names[0]).to.equal('Panel Testwell 0');
      expect(names[599]).to.equal('Panel Testwell 599');
    });

    it('never draws a slice of the previous patient after a switch', async () => {
      serve((p) => ({ ...summaryFor(p), results: { ...summaryFor(p).results, items: manyReports(p, 600) } }));
      const { el, events } = await mount(PATIENT_A.launch);
      // Switched as patient A's first view is announced: mid-list, before any later slice's task can run.
      let drawnAtSwitch = -1;
      el.addEventListener(
        'care-sidebar-ready',
        () => {
          drawnAtSwitch = results(el).length;
          el.launch = PATIENT_B.launch;
        },
        { once: true },
      );
      await waitFor(() => events.length > 0, "patient A's first view");
      expect(drawnAtSwitch).to.be.below(600);
      await el.updateComplete;
      const familyA = PATIENT_A.banner.name?.family ?? '';
      await waitFor(() => results(el).length === 600, "all of patient B's reports", 5000);
      const text = textOf(shadow(el));
      expect(text).not.to.include(`Panel ${familyA}`);
      expect(bannerNhsNumber(el)?.replace(/ /g, '')).to.equal(PATIENT_B.banner.nhsNumber);
    });
  });

  describe('age and refresh', () => {
    it('says how long ago each section was updated, with the exact time for hover and focus', async () => {
      const asOf = new Date(Date.now() - 2 * 60_000 - 5_000).toISOString();
      serve((p) => {
        const s = summaryFor(p);
        return { ...s, flags: { ...s.flags, asOf }, results: { ...s.results, asOf }, letters: { ...s.letters, asOf } };
      });
      const { el } = await loaded(PATIENT_A.launch);
      const section = shadow(el).querySelector('[data-section="results"]')!;
      const time = section.querySelector('.as-of time')!;
      expect(textOf(section.querySelector('.as-of p')!)).to.match(
        /^Updated 2 min ago \(at \d\d:\d\d, \d\d-\w{3}-\d{4}\)$/,
      );
      expect(time.getAttribute('datetime')).to.equal(asOf);
      expect(time.getAttribute('title')).to.match(/^Updated \d\d:\d\d, \d\d-\w{3}-\d{4}$/);
      expect(time.getAttribute('tabindex')).to.equal('0');
      const exact = time.querySelector('.exact-time')!;
      expect(getComputedStyle(exact).width).to.equal('1px'); // read by screen readers, hidden on screen
      (time as HTMLElement).focus();
      expect(getComputedStyle(exact).width).not.to.equal('1px');
    });

    it("refreshes from a section's control, bypassing the cache, and gives that control focus back", async () => {
      const { summaryUrls } = serve();
      const { el } = await loaded(PATIENT_A.launch);
      const button = shadow(el).querySelector<HTMLButtonElement>('[data-refresh="letters"]')!;
      expect(textOf(button)).to.equal('Refresh letters');
      button.click();
      await waitFor(() => summaryUrls.length === 2, 'the second summary request');
      expect(summaryUrls[0]).not.to.include('refresh=true');
      expect(summaryUrls[1]).to.include('refresh=true');
      await waitFor(
        () => shadow(el).activeElement?.getAttribute('data-refresh') === 'letters',
        'focus back on the letters refresh control',
      );
    });
  });

  describe('session expiry', () => {
    // The BFF's clock is skewMs ahead of this browser's; the session ends 1.5 s from now by either.
    for (const [clock, skewMs] of [
      ['right', 0],
      ['an hour slow', 3_600_000],
      ['an hour fast', -3_600_000],
    ] as const) {
      it(`clears the record at the session's expiry by the BFF's clock, without waiting for a request (browser clock ${clock})`, async () => {
        const bffNow = () => new Date(Date.now() + skewMs);
        serve(
          undefined,
          (p) => ({ ...sessionFor(p, tokenFor(p)), expiresAt: new Date(bffNow().getTime() + 1500).toISOString() }),
          bffNow,
        );
        const { el, events } = await loaded(PATIENT_A.launch);
        expect(bannerNhsNumber(el)?.replace(/ /g, '')).to.equal(PATIENT_A.banner.nhsNumber);
        await waitFor(() => events.length === 2, 'the expiry', 4000);
        expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready', 'care-sidebar-session-expired']);
        await el.updateComplete;
        expect(bannerNhsNumber(el)).to.equal(undefined);
        expect(results(el)).to.have.length(0);
        expect(textOf(shadow(el))).to.include('Session ended');
      });
    }

    it("does not end a later patient's session at the earlier session's expiry", async () => {
      serve(undefined, (p) => ({
        ...sessionFor(p, tokenFor(p)),
        expiresAt: new Date(Date.now() + (p === PATIENT_A ? 800 : 600_000)).toISOString(),
      }));
      const { el, events } = await loaded(PATIENT_A.launch);
      el.launch = PATIENT_B.launch;
      await waitFor(() => bannerNhsNumber(el)?.replace(/ /g, '') === PATIENT_B.banner.nhsNumber, 'patient B');
      await new Promise((r) => setTimeout(r, 1200));
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready', 'care-sidebar-ready']);
      expect(bannerNhsNumber(el)?.replace(/ /g, '')).to.equal(PATIENT_B.banner.nhsNumber);
    });
  });
});
