import { expect } from 'chai';
import { HttpResponse } from 'msw';
import { formatNhsNumber, isValidNhsNumber } from '@care-sidebar/shared';
import type { FlagItem, SummaryView } from '@care-sidebar/shared';
import type { CareSidebar } from './care-sidebar.component.ts';
import { CareSidebarErrorEvent } from './events.ts';
import { formatAge } from './format.ts';
import {
  AS_OF,
  HOSPITAL_A,
  HOSPITAL_B,
  optedOutFor,
  PATIENT_A,
  PATIENT_B,
  PATIENT_C,
  sessionFor,
  summaryFor,
  type TestPatient,
} from './test-support/fixtures.ts';
import {
  deferred,
  releaseGates,
  onSession,
  onSummary,
  problemReply,
  sessionReply,
  startMockBff,
  summaryReply,
  worker,
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

    it('shows risk flags with severity, category, source or "Computed", and date', async () => {
      const { el } = await loaded(PATIENT_A.launch);
      const [upstream, computed] = part(el, 'flag').map(textOf);
      expect(upstream).to.include('High risk').and.include('Anticoagulated: warfarin');
      expect(upstream).to.include('Medication · Hospital A · 02-Oct-2026');
      expect(computed).to.include('Acute kidney injury stage 2').and.include('Computed');
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
      expect(textOf(sectionEl(el, 'results').querySelector('.as-of')!)).to.equal('Updated 14:02, 25-Nov-2026');
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
});
