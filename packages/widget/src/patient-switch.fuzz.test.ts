/**
 * HAZ-001 (patient switch), randomised: a new `launch` clears everything at once, and a response
 * for any earlier launch is discarded whatever order it arrives in, including A → B → A where the
 * first A answers after the second A started. Zero wrong-patient renders is the only pass.
 *
 * A SEQUENCE is one fresh <care-sidebar>, mounted with a first launch and then given 1–4 more
 * (2–5 launches in all, patients drawn from three synthetic NHS numbers, A → B → A made common),
 * with every BFF answer held back and delivered later in a random order, interleaved with the
 * launches and the odd refresh(); answers succeed, fail (503, 401, network error) or name another
 * patient. Requests may honour their abort (as fetch does) or ignore it (an answer already on its
 * way), so the run counter is what must drop a stale one. At the end every answer still held is
 * delivered, and the last launch must have settled (not left loading) on its own patient.
 *
 * Checked after every render, twice: by a MutationObserver on the shadow root, synchronously for
 * each batch of DOM changes, and after `await el.updateComplete` following every step. A check
 * fails if the banner shows an NHS number other than the rendered launch's patient, if any text or
 * attribute anywhere in the shadow root names another patient, if any item shown was not fetched
 * for the rendered launch (every item carries "[launch N]"), or if the render that takes a new
 * launch still shows anything of the previous one.
 *
 * The BFF is a fake `fetch` (BffClient looks up the global fetch at call time), so the real
 * BffClient, SummaryController and element run, with no network and no service worker: every
 * answer is settled by microtasks, so one seed always gives the same run.
 *
 * Seed: FUZZ_SEED=<number> (and FUZZ_SEQUENCES=<count>) in the environment of web-test-runner,
 * read through the `fuzz-config` server command in web-test-runner.config.mjs. Every failure
 * message carries the seed and the sequence number, and the run stops at the first failure.
 */
import { expect } from 'chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { formatNhsNumber, problemType, PROBLEM_CODES } from '@care-sidebar/shared';
import type { ProblemCode, SessionResponse, SummaryResponse } from '@care-sidebar/shared';
import './care-sidebar.ts';
import { CareSidebar } from './care-sidebar.component.ts';
import { AS_OF, HOSPITAL_A, HOSPITAL_B, okSection, unsignedLaunch } from './test-support/fixtures.ts';
import { BFF_URL } from './test-support/mock-bff.ts';

const DEFAULT_SEED = 20261125;
const DEFAULT_SEQUENCES = 10_000;

/** Synthetic NHS numbers from the 999 test range (valid Modulus 11). */
const NHS_NUMBERS = ['9990000018', '9990000026', '9990000034'] as const;
type NhsNumber = (typeof NHS_NUMBERS)[number];

/** mulberry32: a small, fast, seedable PRNG; good enough to pick interleavings. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The element under test, unchanged, plus a record of the launch its last committed render was
 * for: `updated()` runs synchronously after the DOM is committed, before any MutationObserver
 * callback for that render, so the observer knows which patient the DOM must belong to.
 */
class ProbedSidebar extends CareSidebar {
  renderedLaunch = '';
  protected override updated(): void {
    super.updated();
    this.renderedLaunch = this.launch;
  }
}
customElements.define('care-sidebar-fuzz-probe', ProbedSidebar);

interface Launch {
  readonly id: number;
  readonly jwt: string;
  readonly nhsNumber: NhsNumber;
}

interface Pending {
  readonly kind: 'session' | 'summary';
  readonly launch: Launch;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (response: Response) => void;
  readonly reject: (reason: unknown) => void;
}

/** A response as BffClient reads it (ok, status, headers, json), settled by microtasks only. */
function reply(status: number, body: unknown, contentType = 'application/json'): Response {
  const text = JSON.stringify(body);
  const response = {
    ok: status >= 200 && status < 300,
    status,
    headers: new Headers({ 'content-type': contentType }),
    json: () => Promise.resolve(JSON.parse(text) as unknown),
  };
  return response as unknown as Response;
}

function problem(code: ProblemCode, status: number): Response {
  const body = { type: problemType(code), title: PROBLEM_CODES[code], status, code, requestId: 'req-fuzz' };
  return reply(status, body, 'application/problem+json');
}

function sessionBody(nhsNumber: string, token: string): SessionResponse {
  return {
    token,
    expiresAt: '2026-11-25T15:02:00Z',
    patient: { nhsNumber },
    user: { id: 'user-0001', name: 'Dr Test User', role: 'R8000', org: 'B86016' },
  };
}

/** A summary whose every item names its patient's NHS number and the launch it was fetched for. */
function summaryBody(nhsNumber: string, launchId: number): SummaryResponse {
  const tag = `${nhsNumber} [launch ${launchId}]`;
  return {
    kind: 'summary',
    patient: { nhsNumber, name: { family: `Patient-${nhsNumber}`, given: ['Fuzz'] }, birthDate: '1970-01-01' },
    flags: okSection([
      {
        id: `flag-${nhsNumber}-${launchId}`,
        source: HOSPITAL_A,
        computed: false,
        text: `Flag ${tag}`,
        severity: 'high',
      },
    ]),
    results: {
      ...okSection([
        {
          id: `report-${nhsNumber}-${launchId}`,
          source: HOSPITAL_B,
          name: { display: `Panel ${tag}` },
          status: 'final',
          effective: AS_OF,
          observations: [
            {
              id: `obs-${nhsNumber}-${launchId}`,
              name: { display: `Test ${nhsNumber}` },
              status: 'final',
              value: { kind: 'text', text: `Value ${tag}` },
            },
          ],
        },
      ]),
      history: [],
    },
    letters: okSection([
      {
        id: `letter-${nhsNumber}-${launchId}`,
        source: HOSPITAL_A,
        title: `Letter ${tag}`,
        date: '2026-11-20',
        status: 'current',
        contentTypes: ['text/plain'],
      },
    ]),
    generatedAt: AS_OF,
  };
}

function optedOutBody(nhsNumber: string): SummaryResponse {
  return { kind: 'opted-out', patient: { nhsNumber }, generatedAt: AS_OF };
}

function shadowOf(el: CareSidebar): ShadowRoot {
  if (!el.shadowRoot) throw new Error('care-sidebar has no shadow root');
  return el.shadowRoot;
}

/** All text and attribute values in the shadow root (attributes too: ids name patients as well). */
function everything(root: ShadowRoot): string {
  const parts = [root.textContent ?? ''];
  for (const node of root.querySelectorAll('*')) for (const attr of node.attributes) parts.push(attr.value);
  return parts.join('\n');
}

const LAUNCH_TAG = /\[launch (\d+)\]/g;

/**
 * What is wrong with the DOM for `expected` (the launch of the last committed render), if anything.
 * `undefined` means: nothing of another patient or another launch is on screen.
 */
function wrongRender(el: ProbedSidebar, launches: ReadonlyMap<string, Launch>): string | undefined {
  const root = shadowOf(el);
  const expected = launches.get(el.renderedLaunch);
  const all = everything(root);
  for (const nhs of NHS_NUMBERS) {
    if (nhs === expected?.nhsNumber) continue;
    if (all.includes(nhs) || all.includes(formatNhsNumber(nhs))) {
      return `patient ${nhs} is on screen while launch ${expected?.id ?? '(none)'} for ${expected?.nhsNumber ?? 'nobody'} is current`;
    }
  }
  for (const [, id] of all.matchAll(LAUNCH_TAG)) {
    if (Number(id) !== expected?.id) return `data of launch ${id} is on screen while launch ${expected?.id} is current`;
  }
  const banner = root.querySelector('[part~="banner"] .nhs-number')?.textContent?.trim();
  if (banner !== undefined && (!expected || banner !== formatNhsNumber(expected.nhsNumber))) {
    return `banner shows ${banner} while launch ${expected?.id ?? '(none)'} for ${expected?.nhsNumber ?? 'nobody'} is current`;
  }
  const items = root.querySelectorAll('[part~="flag"], [part~="result"], [part~="letter"]');
  if (items.length > 0 && banner === undefined) return `${items.length} item(s) shown without a patient banner`;
  for (const item of items) {
    const text = item.textContent ?? '';
    if (!expected || !text.includes(`${expected.nhsNumber} [launch ${expected.id}]`)) {
      return `item "${text.replace(/\s+/g, ' ').trim()}" does not belong to launch ${expected?.id ?? '(none)'}`;
    }
  }
  return undefined;
}

/** Yields one task (MessageChannel: no 4 ms timer clamping), so every microtask chain has run. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

interface Stats {
  sequences: number;
  launches: number;
  abaSequences: number;
  delivered: number;
  failures: number;
  staleDelivered: number;
  staleSamePatient: number;
  /** Late answers for A delivered while a later launch for A is current, another patient between. */
  abaLate: number;
  observerChecks: number;
  stepChecks: number;
}

class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

describe('HAZ-001: patient switch, randomised (seeded fuzz)', () => {
  let originalFetch: typeof fetch;

  before(() => {
    originalFetch = window.fetch;
  });

  after(() => {
    window.fetch = originalFetch;
  });

  it('never renders another patient, or an earlier launch, over thousands of switch sequences', async function () {
    this.timeout(180_000);
    const config = await executeServerCommand<{ seed: string; sequences: string }, undefined>('fuzz-config');
    const seed = config.seed ? Number(config.seed) >>> 0 : DEFAULT_SEED;
    const sequences = config.sequences ? Number(config.sequences) : DEFAULT_SEQUENCES;
    const rerun = `FUZZ_SEED=${seed} npx web-test-runner src/patient-switch.fuzz.test.ts`;
    const random = mulberry32(seed);
    const int = (n: number): number => Math.floor(random() * n);
    const stats: Stats = {
      sequences: 0,
      launches: 0,
      abaSequences: 0,
      delivered: 0,
      failures: 0,
      staleDelivered: 0,
      staleSamePatient: 0,
      abaLate: 0,
      observerChecks: 0,
      stepChecks: 0,
    };

    const launches = new Map<string, Launch>(); // by JWT
    const tokens = new Map<string, Launch>(); // session token -> the launch it was issued for
    let pending: Pending[] = [];
    let nextLaunchId = 1;
    let nextToken = 1;

    // The fake BFF: every request is held until the test delivers it.
    window.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = String(input instanceof Request ? input.url : input);
      const signal = init?.signal ?? undefined;
      let kind: Pending['kind'];
      let launch: Launch | undefined;
      if (url === `${BFF_URL}/api/v1/session`) {
        kind = 'session';
        const body = typeof init?.body === 'string' ? init.body : '{}';
        launch = launches.get((JSON.parse(body) as { launch?: string }).launch ?? '');
      } else if (url.startsWith(`${BFF_URL}/api/v1/summary`)) {
        kind = 'summary';
        const auth = new Headers(init?.headers).get('authorization') ?? '';
        launch = tokens.get(auth.replace(/^Bearer /, ''));
      } else {
        return Promise.reject(new TypeError(`unexpected request ${url}`));
      }
      if (!launch) return Promise.reject(new TypeError(`request for an unknown launch or token: ${url}`));
      const { promise, resolve, reject } = Promise.withResolvers<Response>();
      const request: Pending = { kind, launch, signal, resolve, reject };
      // Half the requests honour their abort as fetch does; the rest stand for answers already on
      // their way, which only the run counter can drop.
      if (signal && random() < 0.5) {
        const abort = (): void => {
          pending = pending.filter((p) => p !== request);
          reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
        };
        if (signal.aborted) {
          abort();
          return promise;
        }
        signal.addEventListener('abort', abort, { once: true });
      }
      pending.push(request);
      return promise;
    };

    const otherThan = (nhs: NhsNumber): NhsNumber => {
      const others = NHS_NUMBERS.filter((n) => n !== nhs);
      return others[int(others.length)]!;
    };

    /** Answers one held request, chosen at random: a success, a failure, or another patient's data. */
    const deliver = (request: Pending, history: readonly Launch[]): string => {
      pending = pending.filter((p) => p !== request);
      stats.delivered++;
      const { launch } = request;
      const current = history.at(-1);
      if (current && launch.id !== current.id) {
        stats.staleDelivered++;
        if (launch.nhsNumber === current.nhsNumber) {
          stats.staleSamePatient++;
          if (history.some((l) => l.id > launch.id && l.nhsNumber !== launch.nhsNumber)) stats.abaLate++;
        }
      }
      const r = random();
      const what = `${request.kind} of launch ${launch.id} (${launch.nhsNumber})`;
      if (request.kind === 'session') {
        if (r < 0.78) {
          const token = `token-${nextToken++}`;
          tokens.set(token, launch);
          request.resolve(reply(201, sessionBody(launch.nhsNumber, token)));
          return `${what}: 201 ${token}`;
        }
        stats.failures++;
        if (r < 0.86) request.resolve(problem('launch-verification-unavailable', 503));
        else if (r < 0.92) request.resolve(problem('launch-expired', 401));
        else if (r < 0.97) request.reject(new TypeError('Failed to fetch'));
        else {
          const token = `token-${nextToken++}`;
          tokens.set(token, launch);
          request.resolve(reply(201, sessionBody(otherThan(launch.nhsNumber), token)));
          return `${what}: 201 for ANOTHER patient`;
        }
        return `${what}: failed (${r < 0.86 ? 503 : r < 0.92 ? 401 : 'network'})`;
      }
      if (r < 0.7) request.resolve(reply(200, summaryBody(launch.nhsNumber, launch.id)));
      else if (r < 0.78) request.resolve(reply(200, optedOutBody(launch.nhsNumber)));
      else {
        stats.failures++;
        if (r < 0.84) request.resolve(problem('audit-unavailable', 503));
        else if (r < 0.9) request.resolve(problem('session-expired', 401));
        else if (r < 0.95) request.reject(new TypeError('Failed to fetch'));
        else request.resolve(reply(200, summaryBody(otherThan(launch.nhsNumber), launch.id)));
      }
      const outcome =
        r < 0.7
          ? '200'
          : r < 0.78
            ? '200 opted-out'
            : r < 0.84
              ? '503'
              : r < 0.9
                ? '401'
                : r < 0.95
                  ? 'network'
                  : '200 for ANOTHER patient';
      return `${what}: ${outcome}`;
    };

    const newLaunch = (history: readonly Launch[]): Launch => {
      // A → B → A is made common: 40% of the time the patient before last comes back.
      const previous = history.at(-1);
      const beforeLast = history.at(-2);
      const nhsNumber =
        beforeLast && previous && beforeLast.nhsNumber !== previous.nhsNumber && random() < 0.4
          ? beforeLast.nhsNumber
          : NHS_NUMBERS[int(NHS_NUMBERS.length)]!;
      const id = nextLaunchId++;
      const jwt = unsignedLaunch({ nhs_number: nhsNumber, jti: `launch-${id}` });
      const launch = { id, jwt, nhsNumber };
      launches.set(jwt, launch);
      stats.launches++;
      return launch;
    };

    const started = performance.now();
    for (let sequence = 1; sequence <= sequences; sequence++) {
      const trace: string[] = [];
      const fail = (message: string): never => {
        throw new FuzzFailure(
          `HAZ-001 fuzz FAILED with seed ${seed}, sequence ${sequence} of ${sequences}: ${message}\n` +
            `  last steps of the sequence:\n    ${trace.slice(-25).join('\n    ')}\n` +
            `  rerun: ${rerun}`,
        );
      };
      const total = 2 + int(4); // 2–5 launches
      const history: Launch[] = [];
      const el = document.createElement('care-sidebar-fuzz-probe') as ProbedSidebar;
      el.bffUrl = BFF_URL;
      const observed: string[] = [];
      const observer = new MutationObserver(() => {
        stats.observerChecks++;
        const wrong = wrongRender(el, launches);
        if (wrong) observed.push(wrong);
      });
      const step = async (what: string): Promise<void> => {
        trace.push(what);
        await nextTask();
        await el.updateComplete;
        stats.stepChecks++;
        if (observed.length > 0) fail(`seen by the MutationObserver after "${what}": ${observed[0]}`);
        const wrong = wrongRender(el, launches);
        if (wrong) fail(`after "${what}": ${wrong}`);
      };
      const launchNext = async (): Promise<void> => {
        const launch = newLaunch(history);
        history.push(launch);
        el.launch = launch.jwt;
        if (!el.isConnected) {
          document.body.append(el);
          observer.observe(shadowOf(el), { subtree: true, childList: true, characterData: true, attributes: true });
        }
        // The render that takes the new launch shows nothing of anyone yet: cleared all at once.
        await el.updateComplete;
        if (el.renderedLaunch !== launch.jwt) fail(`launch ${launch.id} was not rendered by its own update`);
        const root = shadowOf(el);
        if (root.querySelector('.nhs-number, [part~="flag"], [part~="result"], [part~="letter"], .notice')) {
          fail(`the render taking launch ${launch.id} still shows: ${(root.textContent ?? '').replace(/\s+/g, ' ')}`);
        }
        await step(`launch ${launch.id} for ${launch.nhsNumber}`);
      };

      try {
        await launchNext();
        while (history.length < total || pending.length > 0) {
          const r = random();
          if (r < 0.04) {
            el.refresh(); // a new run for the same launch: its earlier summary request turns stale too
            await step('refresh()');
          } else if (history.length < total && (pending.length === 0 || r < 0.45)) await launchNext();
          else if (pending.length > 0) {
            const request = pending[int(pending.length)]!;
            await step(deliver(request, history));
          }
        }
        // Everything answered: the last launch must have settled, on its own patient.
        const last = history.at(-1)!;
        const root = shadowOf(el);
        if (root.querySelector('[aria-busy="true"]')) fail(`launch ${last.id} was left loading`);
        const banner = root.querySelector('[part~="banner"] .nhs-number')?.textContent?.trim();
        if (banner !== undefined && banner !== formatNhsNumber(last.nhsNumber)) fail(`final banner ${banner}`);
        if (
          history.some(
            (l, i) => i >= 2 && history[i - 2]!.nhsNumber === l.nhsNumber && history[i - 1]!.nhsNumber !== l.nhsNumber,
          )
        ) {
          stats.abaSequences++;
        }
      } finally {
        observer.disconnect();
        el.launch = '';
        el.remove();
        // Nothing of this sequence may reach the next one.
        for (const request of pending) request.reject(new DOMException('sequence over', 'AbortError'));
        pending = [];
      }
      stats.sequences++;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`HAZ-001 fuzz: seed ${seed}, ${seconds} s, ${JSON.stringify(stats)}`);

    // The run must have exercised what it claims to, or a pass would prove nothing.
    expect(stats.sequences, `seed ${seed}`).to.equal(sequences);
    expect(stats.observerChecks, `seed ${seed}: renders observed`).to.be.greaterThan(sequences);
    expect(stats.abaSequences, `seed ${seed}: A → B → A sequences`).to.be.greaterThan(sequences / 10);
    expect(stats.staleSamePatient, `seed ${seed}: late answers for the same patient`).to.be.greaterThan(sequences / 20);
    expect(stats.abaLate, `seed ${seed}: late answers for the first A after the second A started`).to.be.greaterThan(
      sequences / 50,
    );
    expect(stats.staleDelivered, `seed ${seed}: late answers`).to.be.greaterThan(sequences / 2);
    expect(stats.failures, `seed ${seed}: failed answers`).to.be.greaterThan(sequences / 5);
  });
});
