import { expect } from 'chai';
import { HttpResponse } from 'msw';
import { sendKeys } from '@web/test-runner-commands';
import { formatNhsNumber, isValidNhsNumber } from '@care-sidebar/shared';
import type { FlagItem, LetterItem, SummaryView } from '@care-sidebar/shared';
import type { CareSidebar } from './care-sidebar.component.ts';
import { CareSidebarErrorEvent, CareSidebarLetterOpenedEvent } from './events.ts';
import { formatAge } from './format.ts';
import {
  AS_OF,
  HOSPITAL_A,
  HOSPITAL_B,
  letterContentFor,
  minimalPdf,
  optedOutFor,
  PATIENT_A,
  PATIENT_B,
  PATIENT_C,
  sessionFor,
  summaryFor,
  type TestPatient,
  unsignedLaunch,
} from './test-support/fixtures.ts';
import {
  deferred,
  letterReply,
  onLetter,
  pdfReply,
  releaseGates,
  onSession,
  onSummary,
  problemReply,
  sessionReply,
  startMockBff,
  summaryReply,
  worker,
  type Reply,
} from './test-support/mock-bff.ts';
import {
  bannerNhsNumber,
  mount,
  nextEvent,
  shadow,
  spyOnFetch,
  textOf,
  unmountAll,
  waitFor,
  watchShadow,
  type FetchSpy,
} from './test-support/sidebar-harness.ts';

const PATIENTS = [PATIENT_A, PATIENT_B, PATIENT_C];
const tokenFor = (p: TestPatient): string => `token-${p.launch}`;

/** A BFF that knows the fixture patients: each launch gets a session, each session its summary. */
function servePatients(
  summaries: (p: TestPatient) => SummaryView | ReturnType<typeof optedOutFor> = (p) => summaryFor(p),
): void {
  worker.use(
    onSession((launch) => {
      const p = PATIENTS.find((x) => x.launch === launch);
      return p ? sessionReply(sessionFor(p, tokenFor(p))) : problemReply('launch-invalid', 401);
    }),
    onSummary((token) => {
      const p = PATIENTS.find((x) => tokenFor(x) === token);
      return p ? summaryReply(summaries(p)) : problemReply('session-invalid', 401);
    }),
  );
}

async function loaded(launch: string) {
  const mounted = await mount(launch);
  await waitFor(() => mounted.events.length > 0, 'the first event');
  return mounted;
}

const part = (el: CareSidebar, name: string): Element[] => [...shadow(el).querySelectorAll(`[part~="${name}"]`)];
const sectionEl = (el: CareSidebar, name: string): Element => {
  const found = shadow(el).querySelector(`[data-section="${name}"]`);
  if (!found) throw new Error(`no ${name} section`);
  return found;
};
const observationRow = (el: CareSidebar, name: string): Element => {
  const row = [...shadow(el).querySelectorAll('.observation')].find(
    (r) => r.querySelector('.observation-name')?.textContent === name,
  );
  if (!row) throw new Error(`no observation ${name}`);
  return row;
};

/** Undefined when everything on screen belongs to `current`; otherwise what is wrong. */
function wrongPatient(el: CareSidebar, current: TestPatient, forbidden: readonly string[] = []): string | undefined {
  const shown = bannerNhsNumber(el);
  if (shown !== undefined && shown !== formatNhsNumber(current.banner.nhsNumber)) {
    return `banner shows ${shown} while ${current.launch} is current`;
  }
  const text = textOf(shadow(el));
  const others = PATIENTS.filter((p) => p.banner.nhsNumber !== current.banner.nhsNumber);
  for (const marker of [...others.flatMap((p) => p.markers), ...forbidden]) {
    if (marker && text.includes(marker)) return `shows "${marker}" while ${current.launch} is current`;
  }
  return undefined;
}

describe('<care-sidebar>', () => {
  let fetchSpy: FetchSpy | undefined;

  before(startMockBff);
  afterEach(() => {
    releaseGates();
    unmountAll();
    fetchSpy?.restore();
    fetchSpy = undefined;
    worker.resetHandlers();
  });
  after(() => worker.stop());

  it('uses only synthetic 999-range NHS numbers with valid check digits', () => {
    for (const p of PATIENTS) {
      expect(p.banner.nhsNumber).to.match(/^999/);
      expect(isValidNhsNumber(p.banner.nhsNumber)).to.equal(true);
    }
  });

  describe('a loaded summary', () => {
    beforeEach(() => servePatients());

    it('shows the banner by NHS convention: FAMILY, Given, born with age, NHS No. 3-3-4', async () => {
      const { el, events } = await loaded(PATIENT_A.launch);
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready']);
      const banner = textOf(part(el, 'banner')[0]!);
      expect(banner).to.include('TESTWELL, Ada Grace (Mrs)');
      expect(banner).to.include(`Born 12-Mar-1957 (${formatAge('1957-03-12', new Date())})`);
      expect(banner).to.match(/\(\d+y\)/);
      expect(banner).to.include('NHS No. 999 000 0018');
    });

    it("HAZ-010: keeps the user's font size when the host page shrinks its root (html { font-size: 62.5% })", async () => {
      const root = document.documentElement;
      const probe = document.createElement('div');
      probe.style.fontSize = 'medium';
      document.body.append(probe);
      root.style.fontSize = '62.5%';
      try {
        // The user's preferred size (the browser setting), which the host's root no longer equals.
        const medium = Number.parseFloat(getComputedStyle(probe).fontSize);
        expect(Number.parseFloat(getComputedStyle(root).fontSize)).to.equal(medium * 0.625);
        const { el } = await loaded(PATIENT_A.launch);
        const px = (target: Element, property: string) =>
          Number.parseFloat(getComputedStyle(target).getPropertyValue(property));
        expect(px(observationRow(el, 'Potassium'), 'font-size')).to.equal(medium);
        expect(px(shadow(el).querySelector('.patient-name')!, 'font-size')).to.equal(medium * 1.125);
        expect(px(sectionEl(el, 'results'), 'padding-top')).to.equal(medium * 0.75);
      } finally {
        root.style.fontSize = '';
        probe.remove();
      }
    });

    it('shows risk flags with severity, category, source or "Computed", and date', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const [upstream, computed] = part(el, 'flag').map(textOf);
      expect(upstream).to.include('High risk').and.include('Anticoagulated: warfarin');
      expect(upstream).to.include('Medication · Hospital A · 02-Oct-2026');
      expect(computed).to.include('Acute kidney injury stage 2').and.include('Computed');
    });

    it("shows a flag's reason under its text, as text, only when there is one", async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const [upstream, computed] = part(el, 'flag');
      const reason = computed!.querySelector('.flag-text + .flag-reason');
      expect(reason?.textContent).to.equal(PATIENT_A.flags[1]!.reason);
      expect(upstream!.querySelector('.flag-reason') === null).to.equal(true);
    });

    it('marks abnormal results in words, not colour alone', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const creatinine = observationRow(el, 'Creatinine');
      expect(textOf(creatinine)).to.include('182 umol/L').and.include('High').and.include('Range 59–104 umol/L');
      expect(creatinine.querySelector('.interpretation .icon')).not.to.equal(null);
      expect(textOf(observationRow(el, 'Potassium')))
        .to.include('6.6 mmol/L')
        .and.include('Critically high');
      const sodium = observationRow(el, 'Sodium');
      // A decimal shows the precision the laboratory wrote, not the bare number.
      expect(textOf(sodium)).to.include('139.0 mmol/L');
      expect(sodium.querySelector('.interpretation')).to.equal(null);
      expect(sodium.getAttribute('data-abnormal')).to.equal('false');
    });

    it('says when an abnormal flag was derived from the reference range', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const marker = observationRow(el, 'eGFR').querySelector('.interpretation');
      expect(textOf(marker!)).to.include('Low').and.include('derived from reference range');
      expect(marker!.getAttribute('title')).to.include('derived from reference range');
      expect(observationRow(el, 'Creatinine').querySelector('.interpretation')!.getAttribute('title')).to.equal('High');
    });

    it('shows each report with date, source and performer, and marks preliminary ones', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const [ue, fbc] = part(el, 'result').map(textOf);
      expect(ue)
        .to.include('Urea and electrolytes')
        .and.include('09:15, 24-Nov-2026 · Hospital A · Hospital A Blood Sciences');
      expect(ue).not.to.include('Preliminary');
      expect(fbc)
        .to.include('Full blood count')
        .and.include('Preliminary')
        .and.include('16:40, 23-Nov-2026 · Hospital B');
    });

    it('lists letters with title, type, specialty, author, date and source', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const letter = textOf(part(el, 'letter')[0]!);
      expect(letter).to.include('Discharge summary: heart failure admission');
      expect(letter).to.include('Discharge summary · Cardiology');
      expect(letter).to.include('Dr Imogen Fictional · 20-Nov-2026 · Hospital A');
    });

    it('shows risk flags first, then results, then letters', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const order = part(el, 'section').map((s) => s.getAttribute('data-section'));
      expect(order).to.deep.equal(['flags', 'results', 'letters']);
      const [flags, results, letters] = part(el, 'section');
      expect(flags!.compareDocumentPosition(results!) & Node.DOCUMENT_POSITION_FOLLOWING).to.not.equal(0);
      expect(results!.compareDocumentPosition(letters!) & Node.DOCUMENT_POSITION_FOLLOWING).to.not.equal(0);
      expect([...shadow(el).querySelectorAll('h2')].map(textOf)).to.deep.equal(['Risk flags', 'Results', 'Letters']);
    });

    it('shows how old each section is, keeping the exact time machine-readable', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const time = sectionEl(el, 'results').querySelector('.as-of time');
      // Older than a day: the date and time itself (the fixtures' AS_OF is in the past).
      expect(textOf(sectionEl(el, 'results').querySelector('.as-of p')!)).to.equal('Updated 14:02, 25-Nov-2026');
      expect(time!.getAttribute('datetime')).to.equal(AS_OF);
    });

    it('names the sources it asked when a section is empty', async () => {
      const { el } = await loaded(PATIENT_C.launch);
      expect(textOf(sectionEl(el, 'flags'))).to.include('No risk flags from Hospital A, Hospital B');
      expect(textOf(sectionEl(el, 'results'))).to.include('No results from Hospital A, Hospital B');
      expect(textOf(sectionEl(el, 'letters'))).to.include('No letters from Hospital A, Hospital B');
    });

    it('announces loading, then loaded, in a polite live region', async () => {
      const { el } = await mount(PATIENT_A.launch);
      const status = shadow(el).querySelector('[aria-live="polite"]')!;
      expect(textOf(status)).to.equal('Loading hospital record');
      await nextEvent(el, 'care-sidebar-ready');
      expect(textOf(status)).to.equal('Hospital record loaded');
    });

    it('fires care-sidebar-ready once, after the summary is on screen, carrying no patient data', async () => {
      const { el } = await mount(PATIENT_A.launch);
      let bannerAtReady = '';
      el.addEventListener('care-sidebar-ready', () => (bannerAtReady = bannerNhsNumber(el) ?? ''));
      const events: Event[] = [];
      el.addEventListener('care-sidebar-ready', (e) => events.push(e));
      await nextEvent(el, 'care-sidebar-ready');
      await new Promise((r) => setTimeout(r, 50));
      expect(bannerAtReady).to.equal('999 000 0018');
      expect(events).to.have.length(1);
      expect(events[0]!.bubbles && events[0]!.composed).to.equal(true);
      expect(JSON.stringify({ ...events[0] })).not.to.include('999');
    });

    it('writes nothing to localStorage, sessionStorage, cookies or IndexedDB', async () => {
      const writes: string[] = [];
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key: string, value: string) {
        writes.push(key);
        setItem.call(this, key, value);
      };
      const before = { local: localStorage.length, session: sessionStorage.length, cookie: document.cookie };
      try {
        await loaded(PATIENT_A.launch);
      } finally {
        Storage.prototype.setItem = setItem;
      }
      expect(writes).to.deep.equal([]);
      expect(localStorage.length).to.equal(before.local);
      expect(sessionStorage.length).to.equal(before.session);
      expect(document.cookie).to.equal(before.cookie);
      expect(await indexedDB.databases()).to.deep.equal([]);
    });
  });

  describe('section status', () => {
    it('names the unreachable source when a section is partial', async () => {
      servePatients((p) =>
        summaryFor(p, {
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
        }),
      );
      const { el } = await loaded(PATIENT_A.launch);
      const results = sectionEl(el, 'results');
      expect(textOf(results)).to.include('Hospital B could not be reached; results may be incomplete');
      expect(part(el, 'result').map(textOf).join()).to.include('Urea and electrolytes');
    });

    it('says when a source held more than could be fetched', async () => {
      servePatients((p) =>
        summaryFor(p, {
          results: {
            history: [],
            status: 'partial',
            asOf: AS_OF,
            items: p.results,
            sources: [
              { source: HOSPITAL_A, status: 'incomplete', asOf: AS_OF },
              { source: HOSPITAL_B, status: 'ok', asOf: AS_OF },
            ],
          },
        }),
      );
      const { el } = await loaded(PATIENT_A.launch);
      const text = textOf(sectionEl(el, 'results'));
      expect(text).to.include('Hospital A holds more results than could be fetched; older results may not be shown');
      expect(text).not.to.include('could not be reached');
    });

    it('does not claim "no results" when no source answered', async () => {
      servePatients((p) =>
        summaryFor(p, {
          results: {
            history: [],
            status: 'unavailable',
            items: [],
            sources: [
              { source: HOSPITAL_A, status: 'unavailable' },
              { source: HOSPITAL_B, status: 'unavailable' },
            ],
          },
        }),
      );
      const { el } = await loaded(PATIENT_A.launch);
      const results = textOf(sectionEl(el, 'results'));
      expect(results).to.include('Results unavailable: could not reach Hospital A, Hospital B');
      expect(results).not.to.match(/no results/i);
    });
  });

  it('shows only an opt-out statement, and no sections, for a patient who opted out', async () => {
    servePatients((p) => optedOutFor(p));
    const { el, events } = await loaded(PATIENT_A.launch);
    expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready']);
    expect(textOf(shadow(el))).to.include('This patient has opted out of sharing their record');
    expect(part(el, 'section')).to.have.length(0);
    expect(part(el, 'flag').length + part(el, 'result').length + part(el, 'letter').length).to.equal(0);
    expect(bannerNhsNumber(el)).to.equal('999 000 0018');
  });

  describe('HAZ-001: switching patient', () => {
    it('clears the old patient in the same render that takes the new launch', async () => {
      servePatients();
      const gateB = deferred();
      worker.use(
        onSession(async (launch) => {
          if (launch === PATIENT_B.launch) await gateB.promise;
          const p = launch === PATIENT_B.launch ? PATIENT_B : PATIENT_A;
          return sessionReply(sessionFor(p, tokenFor(p)));
        }),
      );
      const { el } = await loaded(PATIENT_A.launch);
      el.launch = PATIENT_B.launch;
      await el.updateComplete;
      expect(wrongPatient(el, PATIENT_B, PATIENT_A.markers)).to.equal(undefined);
      expect(part(el, 'section').map((s) => s.getAttribute('aria-busy'))).to.deep.equal(['true', 'true', 'true']);
      gateB.resolve();
      await nextEvent(el, 'care-sidebar-ready');
      expect(bannerNhsNumber(el)).to.equal('999 000 0026');
    });

    it('drops a late summary for the previous patient, even when it cannot be aborted', async () => {
      fetchSpy = spyOnFetch({ ignoreAbort: true });
      const gateA = deferred();
      servePatients();
      worker.use(
        onSummary(async (token) => {
          if (token !== tokenFor(PATIENT_A)) return summaryReply(summaryFor(PATIENT_B));
          await gateA.promise;
          return summaryReply(summaryFor(PATIENT_A));
        }),
      );
      let current = PATIENT_A;
      const { el } = await mount(current.launch);
      const watch = watchShadow(el, () => wrongPatient(el, current));
      await waitFor(() => fetchSpy!.calls.some((c) => c.url.endsWith('/summary')), 'the summary request for A');

      current = PATIENT_B;
      el.launch = current.launch;
      await el.updateComplete;
      expect(wrongPatient(el, current)).to.equal(undefined);
      await nextEvent(el, 'care-sidebar-ready');
      expect(wrongPatient(el, current)).to.equal(undefined);

      gateA.resolve(); // A's answer arrives after B's
      await fetchSpy.settled();
      await el.updateComplete;
      watch.stop();
      expect(bannerNhsNumber(el)).to.equal('999 000 0026');
      expect(textOf(shadow(el))).to.include('Penicillin allergy: anaphylaxis');
      expect(wrongPatient(el, current)).to.equal(undefined);
      expect(watch.checks).to.be.greaterThan(0);
      expect(watch.failures).to.deep.equal([]);
    });

    it('drops a late session for the previous launch and never asks for its summary', async () => {
      fetchSpy = spyOnFetch({ ignoreAbort: true });
      const gateA = deferred();
      servePatients();
      worker.use(
        onSession(async (launch) => {
          if (launch !== PATIENT_A.launch) return sessionReply(sessionFor(PATIENT_B, tokenFor(PATIENT_B)));
          await gateA.promise;
          return sessionReply(sessionFor(PATIENT_A, tokenFor(PATIENT_A)));
        }),
      );
      let current = PATIENT_A;
      const { el, events } = await mount(current.launch);
      const watch = watchShadow(el, () => wrongPatient(el, current));
      current = PATIENT_B;
      el.launch = current.launch;
      await nextEvent(el, 'care-sidebar-ready');
      gateA.resolve();
      await fetchSpy.settled();
      await el.updateComplete;
      watch.stop();
      const summaryAuth = fetchSpy.calls
        .filter((c) => c.url.endsWith('/summary'))
        .map((c) => new Headers(c.init?.headers).get('authorization'));
      expect(summaryAuth).to.deep.equal([`Bearer ${tokenFor(PATIENT_B)}`]);
      expect(bannerNhsNumber(el)).to.equal('999 000 0026');
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready']);
      expect(watch.failures).to.deep.equal([]);
    });

    it('A → B → A: drops the first launch of A when it answers last (a run counter, not a patient check)', async () => {
      fetchSpy = spyOnFetch({ ignoreAbort: true });
      const stale: FlagItem = {
        id: 'stale',
        source: HOSPITAL_A,
        computed: false,
        text: 'Superseded answer from the first launch',
        severity: 'high',
      };
      const firstA = deferred();
      let sessionsForA = 0;
      worker.use(
        onSession((launch) => {
          if (launch === PATIENT_B.launch) return sessionReply(sessionFor(PATIENT_B, 'token-B'));
          sessionsForA++;
          return sessionReply(sessionFor(PATIENT_A, `token-A-${sessionsForA}`));
        }),
        onSummary(async (token) => {
          if (token === 'token-B') return summaryReply(summaryFor(PATIENT_B));
          if (token === 'token-A-2') return summaryReply(summaryFor(PATIENT_A));
          await firstA.promise;
          return summaryReply(summaryFor(PATIENT_A, { flags: { ...summaryFor(PATIENT_A).flags, items: [stale] } }));
        }),
      );
      let current = PATIENT_A;
      const { el } = await mount(current.launch);
      const watch = watchShadow(el, () => wrongPatient(el, current, [stale.text]));
      await waitFor(() => fetchSpy!.calls.some((c) => c.url.endsWith('/summary')), 'the first summary request for A');

      current = PATIENT_B;
      el.launch = current.launch;
      await nextEvent(el, 'care-sidebar-ready');
      current = PATIENT_A;
      el.launch = current.launch;
      await el.updateComplete;
      expect(wrongPatient(el, current, [stale.text])).to.equal(undefined);
      await nextEvent(el, 'care-sidebar-ready');

      firstA.resolve(); // the first A's answer arrives last
      await fetchSpy.settled();
      await el.updateComplete;
      watch.stop();
      expect(textOf(shadow(el)))
        .to.include('Anticoagulated: warfarin')
        .and.not.include(stale.text);
      expect(watch.failures).to.deep.equal([]);
    });

    it('aborts the requests of the previous launch', async () => {
      fetchSpy = spyOnFetch();
      const gateA = deferred();
      servePatients();
      worker.use(
        onSummary(async (token) => {
          if (token !== tokenFor(PATIENT_A)) return summaryReply(summaryFor(PATIENT_B));
          await gateA.promise;
          return summaryReply(summaryFor(PATIENT_A));
        }),
      );
      const { el } = await mount(PATIENT_A.launch);
      await waitFor(() => fetchSpy!.calls.some((c) => c.url.endsWith('/summary')), 'the summary request for A');
      el.launch = PATIENT_B.launch;
      await nextEvent(el, 'care-sidebar-ready');
      const summaryForA = fetchSpy.calls.find(
        (c) => new Headers(c.init?.headers).get('authorization') === `Bearer ${tokenFor(PATIENT_A)}`,
      );
      expect(summaryForA?.init?.signal?.aborted).to.equal(true);
      gateA.resolve();
    });

    it('clears everything when the launch is removed', async () => {
      servePatients();
      const { el } = await loaded(PATIENT_A.launch);
      el.launch = '';
      await el.updateComplete;
      expect(bannerNhsNumber(el)).to.equal(undefined);
      expect(part(el, 'section')).to.have.length(0);
      expect(textOf(shadow(el))).not.to.include('TESTWELL');
    });
  });

  it('HAZ-001: refuses a summary for a different patient from the session', async () => {
    worker.use(
      onSession(() => sessionReply(sessionFor(PATIENT_A, 'token-A'))),
      onSummary(() => summaryReply(summaryFor(PATIENT_B))),
    );
    const { el, events } = await loaded(PATIENT_A.launch);
    expect(textOf(shadow(el))).to.include('The data returned did not match this patient and has not been shown');
    for (const marker of PATIENT_B.markers) expect(textOf(shadow(el))).not.to.include(marker);
    expect(part(el, 'section')).to.have.length(0);
    expect(events).to.have.length(1);
    expect(events[0]).to.be.instanceOf(CareSidebarErrorEvent);
    expect((events[0] as CareSidebarErrorEvent).code).to.equal('patient-mismatch');
  });

  describe('errors', () => {
    it('clears the record and fires care-sidebar-session-expired when the session expires', async () => {
      servePatients();
      const { el, events } = await loaded(PATIENT_A.launch);
      worker.use(onSummary(() => problemReply('session-expired', 401)));
      el.refresh();
      await waitFor(() => events.length === 2, 'the second event');
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready', 'care-sidebar-session-expired']);
      expect(textOf(shadow(el))).to.include('Session ended — reopen from your clinical system');
      for (const marker of PATIENT_A.markers) expect(textOf(shadow(el))).not.to.include(marker);
      expect(part(el, 'section')).to.have.length(0);
    });

    it('treats a session that expired before the first summary the same way', async () => {
      worker.use(
        onSession(() => sessionReply(sessionFor(PATIENT_A, 'token-A'))),
        onSummary(() => problemReply('session-expired', 401)),
      );
      const { el, events } = await loaded(PATIENT_A.launch);
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-session-expired']);
      expect(textOf(shadow(el))).to.include('Session ended — reopen from your clinical system');
      expect(bannerNhsNumber(el)).to.equal(undefined);
    });

    const sessionProblems = [
      {
        code: 'launch-expired',
        status: 401,
        message: 'This link has expired — reopen the sidebar from your clinical system',
      },
      { code: 'insufficient-role', status: 403, message: 'Your role does not give access to hospital records' },
      { code: 'launch-verification-unavailable', status: 503, message: 'Hospital records cannot be shown right now' },
      { code: 'launch-untrusted-issuer', status: 401, message: 'The hospital record could not be opened' },
    ] as const;

    for (const { code, status, message } of sessionProblems) {
      it(`shows a readable message and fires care-sidebar-error for ${status} ${code} on session start`, async () => {
        worker.use(onSession(() => problemReply(code, status)));
        const { el, events } = await loaded(PATIENT_A.launch);
        const text = textOf(shadow(el));
        expect(text).to.include(message);
        expect(text).not.to.include(code);
        expect(text).not.to.include('req-test-1');
        expect((events[0] as CareSidebarErrorEvent).code).to.equal(code);
        expect(part(el, 'banner')).to.have.length(0);
      });
    }

    it('shows a readable message when the summary cannot be audited', async () => {
      worker.use(
        onSession(() => sessionReply(sessionFor(PATIENT_A, 'token-A'))),
        onSummary(() => problemReply('audit-unavailable', 503)),
      );
      const { el, events } = await loaded(PATIENT_A.launch);
      expect(textOf(shadow(el))).to.include('Hospital records cannot be shown right now');
      expect((events[0] as CareSidebarErrorEvent).code).to.equal('audit-unavailable');
    });

    it('shows a readable message when the BFF cannot be reached', async () => {
      worker.use(onSession(() => HttpResponse.error()));
      const { el, events } = await loaded(PATIENT_A.launch);
      expect(textOf(shadow(el))).to.include('The hospital record service could not be reached');
      expect((events[0] as CareSidebarErrorEvent).code).to.equal('network-error');
    });
  });

  describe('letters', () => {
    const [HTML_LETTER, TEXT_LETTER, PDF_LETTER] = PATIENT_A.letters as [LetterItem, LetterItem, LetterItem];
    const TEXT_BODY = 'Dear Dr Test,\n\n<b>Not bold</b> & <img src=x onerror="parent.pwned=1">\n    Indented line';
    // Hostile on purpose: each line would set window.pwned or post a message if its script ran.
    const HOSTILE_HTML = [
      '<h1>Discharge summary</h1><p>Diagnosis: <em>heart failure</em></p>',
      `<img src=x onerror="parent.pwned=1;parent.postMessage('pwned','*')">`,
      `<script>parent.pwned=1;parent.postMessage('pwned','*')</script>`,
      `<svg><script>parent.pwned=1;parent.postMessage('pwned','*')</script></svg>`,
    ].join('');
    const CSP_META = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`;

    const reader = (el: CareSidebar): Element | null => shadow(el).querySelector('[part~="letter-reader"]');
    const readerHeading = (el: CareSidebar): HTMLElement | null => reader(el)?.querySelector<HTMLElement>('h2') ?? null;
    const letterButton = (el: CareSidebar, letter: LetterItem): HTMLButtonElement => {
      const button = [...shadow(el).querySelectorAll<HTMLButtonElement>('[part~="letter"] button')].find(
        (b) => textOf(b) === letter.title,
      );
      if (!button) throw new Error(`no button for ${letter.title}`);
      return button;
    };
    // Assertions compare strings and booleans, never DOM nodes or events: a failing chai
    // comparison of a node makes the runner serialise the whole DOM graph and hang.
    const readerOpen = (el: CareSidebar): boolean => reader(el) !== null;
    /** "H2 Title" or "BUTTON Title": what has focus inside the sidebar. */
    const focusedName = (el: CareSidebar): string => {
      const active = shadow(el).activeElement;
      return active ? `${active.tagName} ${textOf(active)}` : 'nothing';
    };
    const opened = (events: Event[]): CareSidebarLetterOpenedEvent[] =>
      events.filter((e): e is CareSidebarLetterOpenedEvent => e.type === 'care-sidebar-letter-opened');

    /** Serves A's three letters as HTML, plain text and PDF, or whatever `override` answers. */
    function serveLetters(override?: (id: string) => Reply | undefined): void {
      worker.use(
        onLetter((id, token) => {
          if (token !== tokenFor(PATIENT_A)) return problemReply('not-found', 404);
          const custom = override?.(id);
          if (custom) return custom;
          if (id === HTML_LETTER.id) return letterReply(letterContentFor(HTML_LETTER, 'text/html', HOSTILE_HTML));
          if (id === TEXT_LETTER.id) return letterReply(letterContentFor(TEXT_LETTER, 'text/plain', TEXT_BODY));
          if (id === PDF_LETTER.id) return pdfReply(minimalPdf());
          return problemReply('not-found', 404);
        }),
      );
    }

    async function openLetter(el: CareSidebar, letter: LetterItem): Promise<Element> {
      letterButton(el, letter).click();
      await waitFor(() => reader(el) !== null, `the reader for ${letter.title}`);
      await el.updateComplete;
      return reader(el)!;
    }

    const pwned = (): unknown => (window as unknown as { pwned?: unknown }).pwned;

    beforeEach(() => {
      servePatients();
      serveLetters();
      delete (window as unknown as { pwned?: unknown }).pwned;
    });

    it('shows an HTML letter only inside an empty-sandbox, CSP-locked frame, where no script runs', async () => {
      const messages: unknown[] = [];
      const onMessage = (e: MessageEvent): void => void messages.push(e.data);
      window.addEventListener('message', onMessage);
      try {
        const { el } = await loaded(PATIENT_A.launch);
        const frameLoaded = new Promise((resolve) => shadow(el).addEventListener('load', resolve, { capture: true }));
        const view = await openLetter(el, HTML_LETTER);
        const frame = view.querySelector('iframe');
        expect(frame !== null, 'the letter frame').to.equal(true);
        expect(frame!.hasAttribute('sandbox')).to.equal(true);
        expect(frame!.getAttribute('sandbox')).to.equal('');
        expect(frame!.sandbox.length).to.equal(0);
        const srcdoc = frame!.getAttribute('srcdoc')!;
        expect(srcdoc.startsWith(CSP_META)).to.equal(true);
        expect(srcdoc).to.include('<p>Diagnosis: <em>heart failure</em></p>');
        // The letter's markup never became DOM outside the frame.
        expect(shadow(el).querySelectorAll('img, script, svg, em').length).to.equal(0);
        await frameLoaded;
        await new Promise((r) => setTimeout(r, 200)); // time for any error handler to have run
        expect(pwned()).to.equal(undefined);
        expect(messages).not.to.include('pwned');
        expect(textOf(readerHeading(el)!)).to.equal(HTML_LETTER.title);
        expect(textOf(view)).to.include('Back to summary').and.include('20-Nov-2026').and.include('Hospital A');
      } finally {
        window.removeEventListener('message', onMessage);
      }
    });

    it('shows a plain-text letter as text: markup appears literally, line breaks are kept', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const view = await openLetter(el, TEXT_LETTER);
      const body = view.querySelector('.letter-text');
      expect(body?.textContent).to.equal(TEXT_BODY);
      expect(getComputedStyle(body!).whiteSpace).to.equal('pre-wrap');
      expect(view.querySelectorAll('b, img, iframe').length).to.equal(0);
      await new Promise((r) => setTimeout(r, 100));
      expect(pwned()).to.equal(undefined);
    });

    it('hands a PDF to the browser in a new window (noopener), keeps the summary, and revokes its URL on patient switch', async () => {
      const calls: Parameters<typeof window.open>[] = [];
      const open = window.open;
      window.open = (...args: Parameters<typeof window.open>) => {
        calls.push(args);
        return null;
      };
      try {
        const { el, events } = await loaded(PATIENT_A.launch);
        letterButton(el, PDF_LETTER).click();
        await waitFor(() => calls.length > 0, 'window.open');
        await el.updateComplete;
        const [url, target, features] = calls[0]!;
        expect(String(url)).to.match(/^blob:/);
        expect([target, features]).to.deep.equal(['_blank', 'noopener']);
        const pdf = await (await fetch(String(url))).blob();
        expect(pdf.type).to.equal('application/pdf');
        expect(new Uint8Array(await pdf.arrayBuffer())).to.deep.equal(minimalPdf());

        expect(readerOpen(el)).to.equal(false);
        expect(part(el, 'section').every((s) => s.checkVisibility())).to.equal(true);
        expect(textOf(letterButton(el, PDF_LETTER).closest('li')!)).to.include('Opened in a new window');
        expect(opened(events).map((e) => e.letterId)).to.deep.equal([PDF_LETTER.id]);

        el.launch = PATIENT_B.launch;
        await el.updateComplete;
        let revoked = false;
        await fetch(String(url)).catch(() => (revoked = true));
        expect(revoked, 'the PDF URL is revoked once the patient changes').to.equal(true);
      } finally {
        window.open = open;
      }
    });

    it('opens from the keyboard, focuses the reader heading, and returns focus to the letter on Escape and on Back', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      letterButton(el, TEXT_LETTER).focus();
      await sendKeys({ press: 'Enter' });
      await waitFor(() => reader(el) !== null, 'the reader');
      await el.updateComplete;
      expect(focusedName(el)).to.equal(`H2 ${TEXT_LETTER.title}`);
      expect(part(el, 'section').some((s) => s.checkVisibility())).to.equal(false);

      await sendKeys({ press: 'Escape' });
      await waitFor(() => focusedName(el) === `BUTTON ${TEXT_LETTER.title}`, 'focus back on the letter');
      expect(readerOpen(el)).to.equal(false);
      // Visible focus: the NHS yellow focus style, not the browser's faint default.
      expect(letterButton(el, TEXT_LETTER).matches(':focus-visible')).to.equal(true);
      expect(getComputedStyle(letterButton(el, TEXT_LETTER)).backgroundColor).to.equal('rgb(255, 235, 59)');

      await sendKeys({ press: 'Space' });
      await waitFor(() => reader(el) !== null, 'the reader again');
      await el.updateComplete;
      await sendKeys({ down: 'Shift' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ up: 'Shift' });
      expect(focusedName(el)).to.equal('BUTTON ‹ Back to summary');
      await sendKeys({ press: 'Enter' });
      await waitFor(() => focusedName(el) === `BUTTON ${TEXT_LETTER.title}`, 'focus back on the letter after Back');
      expect(readerOpen(el)).to.equal(false);
    });

    it('fires care-sidebar-letter-opened once the letter is on screen, carrying only its id', async () => {
      const { el, events } = await loaded(PATIENT_A.launch);
      let readerAtEvent = false;
      const atDocument: Event[] = [];
      const onDocument = (e: Event): void => void atDocument.push(e);
      document.addEventListener(CareSidebarLetterOpenedEvent.eventName, onDocument);
      el.addEventListener('care-sidebar-letter-opened', () => (readerAtEvent = readerOpen(el)));
      try {
        await openLetter(el, TEXT_LETTER);
        await waitFor(() => opened(events).length > 0, 'the letter-opened event');
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        document.removeEventListener(CareSidebarLetterOpenedEvent.eventName, onDocument);
      }
      const [event, ...more] = opened(events);
      expect(more.length).to.equal(0);
      expect(event instanceof CareSidebarLetterOpenedEvent).to.equal(true);
      expect(event!.letterId).to.equal(TEXT_LETTER.id);
      expect(event!.bubbles && event!.composed).to.equal(true);
      expect(Object.keys(event!).filter((k) => k !== 'isTrusted')).to.deep.equal(['letterId']);
      expect(atDocument.length === 1 && atDocument[0] === event, 'heard once at the document').to.equal(true);
      expect(readerAtEvent, 'the reader was on screen when the event fired').to.equal(true);
    });

    describe('HAZ-001: switching patient', () => {
      it('closes an open reader in the same render that takes the new launch', async () => {
        const { el } = await loaded(PATIENT_A.launch);
        await openLetter(el, TEXT_LETTER);
        el.launch = PATIENT_B.launch;
        await el.updateComplete;
        const check = (): void => {
          expect(readerOpen(el)).to.equal(false);
          expect(shadow(el).querySelector('iframe, .letter-text') === null).to.equal(true);
          expect(wrongPatient(el, PATIENT_B, [TEXT_LETTER.title, 'Indented line'])).to.equal(undefined);
        };
        check();
        await nextEvent(el, 'care-sidebar-ready'); // and it stays closed once B is on screen
        check();
      });

      it('never shows a letter of the previous patient that answers late, even when it cannot be aborted', async () => {
        fetchSpy = spyOnFetch({ ignoreAbort: true });
        const gate = deferred();
        serveLetters((id) =>
          id === TEXT_LETTER.id
            ? gate.promise.then(() => letterReply(letterContentFor(TEXT_LETTER, 'text/plain', TEXT_BODY)))
            : undefined,
        );
        let current = PATIENT_A;
        const { el, events } = await loaded(current.launch);
        const watch = watchShadow(
          el,
          () =>
            wrongPatient(el, current, current === PATIENT_B ? ['Indented line'] : []) ??
            (current === PATIENT_B && reader(el) ? 'a reader is open for the new patient' : undefined),
        );
        letterButton(el, TEXT_LETTER).click();
        await waitFor(() => fetchSpy!.calls.some((c) => c.url.includes('/letters/')), 'the letter request');
        await el.updateComplete;
        expect(textOf(letterButton(el, TEXT_LETTER).closest('li')!)).to.include('Opening…');

        current = PATIENT_B;
        el.launch = current.launch;
        await nextEvent(el, 'care-sidebar-ready');
        gate.resolve(); // A's letter arrives under B
        await fetchSpy.settled();
        await el.updateComplete;
        watch.stop();
        expect(readerOpen(el)).to.equal(false);
        expect(textOf(shadow(el))).not.to.include('Indented line');
        expect(opened(events).map((e) => e.letterId)).to.deep.equal([]);
        expect(watch.checks).to.be.greaterThan(0);
        expect(watch.failures).to.deep.equal([]);
      });

      it('aborts the letter request of the previous patient', async () => {
        fetchSpy = spyOnFetch();
        const gate = deferred();
        const received = deferred();
        serveLetters((id) => {
          if (id !== TEXT_LETTER.id) return undefined;
          received.resolve();
          return gate.promise.then(() => problemReply('not-found', 404));
        });
        const { el } = await loaded(PATIENT_A.launch);
        letterButton(el, TEXT_LETTER).click();
        await received.promise; // in the mock's hands, so it is not left unanswered after the test
        el.launch = PATIENT_B.launch;
        await el.updateComplete;
        const request = fetchSpy.calls.find((c) => c.url.includes('/letters/'));
        expect(request?.init?.signal?.aborted).to.equal(true);
        gate.resolve();
      });
    });

    it('keeps the newest letter when an earlier one answers late (a run counter, not a patient check)', async () => {
      fetchSpy = spyOnFetch({ ignoreAbort: true });
      const gate = deferred();
      serveLetters((id) =>
        id === HTML_LETTER.id
          ? gate.promise.then(() => letterReply(letterContentFor(HTML_LETTER, 'text/html', HOSTILE_HTML)))
          : undefined,
      );
      const { el, events } = await loaded(PATIENT_A.launch);
      letterButton(el, HTML_LETTER).click();
      await waitFor(() => fetchSpy!.calls.some((c) => c.url.includes('/letters/')), 'the first letter request');
      await openLetter(el, TEXT_LETTER);
      gate.resolve();
      await fetchSpy.settled();
      await el.updateComplete;
      expect(textOf(readerHeading(el)!)).to.equal(TEXT_LETTER.title);
      expect(shadow(el).querySelector('iframe') === null).to.equal(true);
      expect(opened(events).map((e) => e.letterId)).to.deep.equal([TEXT_LETTER.id]);
    });

    const letterProblems = [
      { code: 'not-found', status: 404, message: 'This letter is no longer available' },
      { code: 'letter-content-unavailable', status: 404, message: 'The hospital holds no copy of this letter' },
      { code: 'source-unavailable', status: 503, message: 'The hospital system holding this letter cannot be reached' },
      { code: 'audit-unavailable', status: 503, message: 'Letters cannot be opened right now' },
    ] as const;

    for (const { code, status, message } of letterProblems) {
      it(`shows a readable message in the reader for ${status} ${code}, keeping the summary behind Back`, async () => {
        serveLetters(() => problemReply(code, status));
        const { el, events } = await loaded(PATIENT_A.launch);
        const view = await openLetter(el, HTML_LETTER);
        expect(textOf(readerHeading(el)!)).to.equal(HTML_LETTER.title);
        expect(textOf(view)).to.include(message);
        expect(textOf(shadow(el))).not.to.include(code);
        expect(view.querySelector('iframe, .letter-text') === null).to.equal(true);
        expect(bannerNhsNumber(el)).to.equal('999 000 0018');
        expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready']);
        expect(focusedName(el)).to.equal(`H2 ${HTML_LETTER.title}`);
      });
    }

    it('ends the session, clearing everything, when the letter request is refused with 401', async () => {
      serveLetters(() => problemReply('session-expired', 401));
      const { el, events } = await loaded(PATIENT_A.launch);
      letterButton(el, TEXT_LETTER).click();
      await waitFor(() => events.length === 2, 'the second event');
      await el.updateComplete;
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready', 'care-sidebar-session-expired']);
      expect(textOf(shadow(el))).to.include('Session ended — reopen from your clinical system');
      expect(readerOpen(el)).to.equal(false);
      expect(bannerNhsNumber(el)).to.equal(undefined);
    });
  });

  describe('HAZ-001: launch cross-check', () => {
    let crossChecks = 0;
    function serveSessionFor(p: TestPatient): { summaries: number } {
      // A token of its own, so a request left over from an earlier test is not counted.
      const token = `token-cross-check-${++crossChecks}`;
      const counts = { summaries: 0 };
      worker.use(
        onSession(() => sessionReply(sessionFor(p, token))),
        onSummary((t) => {
          if (t === token) counts.summaries++;
          return summaryReply(summaryFor(p));
        }),
      );
      return counts;
    }

    const launchFor = (nhsNumber: unknown): string =>
      unsignedLaunch({ iss: 'https://gp.example', sub: 'user-0001', nhs_number: nhsNumber, jti: 'jti-1' });

    it('refuses a session for another patient than the launch names, and never asks for its summary', async () => {
      const counts = serveSessionFor(PATIENT_A);
      const { el, events } = await loaded(launchFor(PATIENT_B.banner.nhsNumber));
      expect(textOf(shadow(el))).to.include('The data returned did not match this patient and has not been shown');
      expect(bannerNhsNumber(el)).to.equal(undefined);
      expect(part(el, 'section').length).to.equal(0);
      expect(events.map((e) => (e as CareSidebarErrorEvent).code)).to.deep.equal(['patient-mismatch']);
      await new Promise((r) => setTimeout(r, 50));
      expect(counts.summaries).to.equal(0);
    });

    it('shows the record when the launch names the session patient', async () => {
      serveSessionFor(PATIENT_A);
      const { el, events } = await loaded(launchFor(PATIENT_A.banner.nhsNumber));
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready']);
      expect(bannerNhsNumber(el)).to.equal('999 000 0018');
    });

    it('skips the check for a launch whose payload it cannot read (the BFF verifies launches)', async () => {
      serveSessionFor(PATIENT_A);
      const { events } = await loaded(`${launchFor(PATIENT_B.banner.nhsNumber).split('.')[0]}.not-json.sig`);
      expect(events.map((e) => e.type)).to.deep.equal(['care-sidebar-ready']);
    });
  });
});
