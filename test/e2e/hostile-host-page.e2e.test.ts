/**
 * <care-sidebar> embedded, from outside, in a host page whose global CSS attacks everything it
 * can reach. A real BFF (`npm start`) serves `/widget/care-sidebar.js` to a host page on another
 * loopback origin, which loads it with one script tag; two independent FHIR servers stand in for
 * the hospitals (one behind a proxy the test can slow down). Chromium walks the sidebar through
 * data → letter open → history open → patient switch → partial → error, first on the page as written, then with
 * each hostile stylesheet, and in each state: the banner and sections are there and visible,
 * every element in the shadow root has the same computed style as without the hostile CSS (lengths
 * in px, so a root font size of 10 px changes nothing either), every button is the element a click
 * at its centre lands on, and axe-core finds no WCAG 2.2 A/AA violation.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { DocumentReference, Patient, Resource } from '@medplum/fhirtypes';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BffChild, freePort, REPO_ROOT, startBff } from './support/bff-process.ts';
import { createHostIssuer, type HostIssuer, type HostUser, launchClaims, signLaunch } from './support/host-system.ts';
import { type HostPage, startHostPage } from './support/host-page.ts';
import { type RunningFhirServer, startFhirServer } from './support/independent-fhir-server.ts';
import { shadowStyles, type StyleSnapshot, styleDifferences } from './support/shadow-styles.ts';
import { startSwitchableProxy, type SwitchableProxy } from './support/switchable-proxy.ts';
import {
  calderbrookResources,
  fellmoorResources,
  HOSPITAL,
  MARIGOLD,
  type SyntheticPatient,
  THADDEUS,
} from './support/synthetic-hospitals.ts';

// ---------------------------------------------------------------------------------------------
// The hostile stylesheets. Each is global CSS a host page might carry (a reset, a framework, a
// careless rule) or write on purpose. Theming through --care-sidebar-* and ::part() is the
// documented API and is not used here; rules that hide or move the element itself (the host owns
// its box) are not either.

const HOSTILE: Readonly<Record<string, string>> = {
  'all: unset': `
    *, *::before, *::after { all: unset !important; }
    care-sidebar { all: unset !important; }
  `,
  'inherited typography and colour': `
    * {
      color: red !important;
      font: italic small-caps 100 40px/3 "Comic Sans MS", cursive !important;
      text-transform: uppercase !important;
      letter-spacing: 1em !important;
      word-spacing: 2em !important;
      text-align: right !important;
      text-indent: 3em !important;
      text-shadow: 0 0 3px lime !important;
      white-space: nowrap !important;
      word-break: break-all !important;
      hyphens: auto !important;
      direction: rtl !important;
      cursor: wait !important;
      -webkit-text-fill-color: magenta !important;
      -webkit-text-stroke: 1px orange !important;
      list-style: square inside !important;
      color-scheme: dark !important;
      background: #222 !important;
    }
  `,
  'hide and block by element, class, attribute': `
    section, h2, h3, ul, li, p, button, span, iframe, header, time, pre,
    [part], [class]:not(.layout), [role], [hidden], [aria-label]:not(aside),
    care-sidebar *, .banner, .section, .summary, .reader, .notice, #letters-heading {
      display: none !important;
      visibility: hidden !important;
      opacity: 0 !important;
    }
    button, a, [tabindex], [type] { pointer-events: none !important; cursor: not-allowed !important; }
  `,
  'root and custom-property abuse': `
    :root {
      filter: grayscale(1) contrast(0.9) !important;
      font-size: 10px !important;
      color-scheme: dark !important;
      background: #000 !important;
    }
    * {
      --_text: red !important;
      --_secondary: #fff !important;
      --_background: #111 !important;
      --_banner-background: #000 !important;
      --_banner-text: #000 !important;
      --_border: transparent !important;
      --_font: cursive !important;
      --_warning-background: #000 !important;
    }
    body { color: #fff !important; background: #000 !important; }
  `,
};

// ---------------------------------------------------------------------------------------------
// The world

const SECRET_ENV = 'HOSTILE_HOST_E2E_SESSION_SECRET';
const DR_ASHWORTH: HostUser = {
  sub: '5b1f2a90-7c3d-4e8f-a1b2-c3d4e5f60718',
  name: 'Dr Wren Ashworth',
  role: 'R8000',
  org: 'Y98770',
};
const HTML_LETTER = 'Respiratory clinic letter (HTML)';
const FELLMOOR = HOSPITAL.fellmoor.name;

/** Calderbrook's records plus one HTML letter for Marigold, so the reader can be opened. */
function calderbrookWithHtmlLetter(now: Date): (base: string) => Resource[] {
  return (base) => {
    const resources = calderbrookResources(now)(base);
    const marigold = resources.find(
      (r): r is Patient =>
        r.resourceType === 'Patient' && (r.identifier ?? []).some((i) => i.value === MARIGOLD.nhsNumber),
    );
    if (!marigold?.id) throw new Error('Calderbrook has no Marigold');
    const html = '<h1>Respiratory clinic</h1><p>Seen in clinic. Spirometry improved; continue inhaler.</p>';
    const letter: DocumentReference = {
      resourceType: 'DocumentReference',
      id: 'cb-doc-resp-html',
      status: 'current',
      description: HTML_LETTER,
      type: {
        coding: [{ system: 'http://snomed.info/sct', code: '371531000', display: 'Report of clinical encounter' }],
      },
      subject: { reference: `${base}/Patient/${marigold.id}` },
      date: new Date(now.getTime() - 5 * 86_400_000).toISOString(),
      content: [{ attachment: { contentType: 'text/html', data: Buffer.from(html).toString('base64') } }],
    };
    return [...resources, letter];
  };
}

interface World {
  readonly dir: string;
  readonly calderbrook: RunningFhirServer;
  readonly fellmoor: RunningFhirServer;
  readonly fellmoorProxy: SwitchableProxy;
  readonly issuer: HostIssuer;
  readonly bff: BffChild;
  readonly host: HostPage;
  readonly browser: Browser;
}

let world: World | undefined;
function w(): World {
  if (!world) throw new Error('beforeAll did not finish');
  return world;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-hostile-'));
  const now = new Date();
  const [calderbrook, fellmoor, issuer] = await Promise.all([
    startFhirServer({ resources: calderbrookWithHtmlLetter(now) }),
    startFhirServer({ resources: fellmoorResources(now), maxPageSize: 2 }),
    createHostIssuer('urn:example:host:wharfedale-epr', 'ES256', 'wharfedale-epr-1'),
  ]);
  const fellmoorProxy = await startSwitchableProxy(fellmoor.baseUrl, 4_000);
  const port = await freePort();
  const bffUrl = `http://127.0.0.1:${port}`;
  // http://localhost:<another port>: another origin, and another site, from the BFF's 127.0.0.1.
  const host = await startHostPage({ bffUrl, stylesheets: HOSTILE });
  const bff = await startBff({
    dir,
    name: 'hostile-host',
    port,
    env: { [SECRET_ENV]: randomBytes(32).toString('base64url') },
    config: {
      publicUrl: bffUrl,
      port,
      host: '127.0.0.1',
      trustedIssuers: [{ issuer: issuer.issuer, jwks: { keys: [issuer.publicJwk] } }],
      clinicalRoles: ['R8000'],
      sources: [
        { ...HOSPITAL.calderbrook, fhirBaseUrl: calderbrook.baseUrl, timeoutMs: 5_000, auth: { type: 'none' } },
        // Short, so a slowed Fellmoor makes a section partial quickly.
        { ...HOSPITAL.fellmoor, fhirBaseUrl: fellmoorProxy.baseUrl, timeoutMs: 1_000, auth: { type: 'none' } },
      ],
      // No cache: every state asks the hospitals afresh, so a slowed source shows at once.
      cache: { ttlSeconds: 0, maxBytes: 1024 * 1024 },
      audit: { url: `sqlite:${join(dir, 'audit.db')}` },
      session: { ttlSeconds: 600, secretEnv: SECRET_ENV },
      allowedOrigins: [host.origin],
      sensitiveCodes: { codes: [], securityLabels: [] },
    },
  });
  const browser = await launchChromium();
  world = { dir, calderbrook, fellmoor, fellmoorProxy, issuer, bff, host, browser };
});

afterAll(async () => {
  if (!world) return;
  await world.browser.close();
  world.fellmoorProxy.mode = 'normal';
  await world.bff.stop();
  await Promise.allSettled([
    world.host.close(),
    world.fellmoorProxy.close(),
    world.calderbrook.close(),
    world.fellmoor.close(),
  ]);
  rmSync(world.dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// In the page

const AXE_SOURCE = readFileSync(
  createRequire(join(REPO_ROOT, 'packages/widget/package.json')).resolve('axe-core/axe.min.js'),
  'utf8',
);
const WCAG_AA: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  iframes: false,
  resultTypes: ['violations'],
};
const EVENTS = [
  'care-sidebar-ready',
  'care-sidebar-error',
  'care-sidebar-session-expired',
  'care-sidebar-letter-opened',
] as const;

interface SeenEvent {
  readonly type: string;
  readonly code?: string;
}

async function openHostPage(css: string | undefined): Promise<Page> {
  const page = await w().browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(e.message));
  // The host listens as a host would: on the document, for the documented events.
  await page.addInitScript((names: readonly string[]) => {
    const seen: { type: string; code?: string }[] = [];
    (window as unknown as { seenEvents: typeof seen }).seenEvents = seen;
    for (const name of names) {
      document.addEventListener(name, (e) =>
        seen.push({ type: e.type, ...('code' in e ? { code: String(e.code) } : {}) }),
      );
    }
  }, EVENTS);
  await page.goto(w().host.url(css));
  await page.waitForFunction(() => customElements.get('care-sidebar') !== undefined);
  await page.addScriptTag({ content: AXE_SOURCE });
  expect(failures).toEqual([]);
  return page;
}

function seenEvents(page: Page): Promise<SeenEvent[]> {
  return page.evaluate(() => (window as unknown as { seenEvents: SeenEvent[] }).seenEvents);
}

async function waitForEvent(page: Page, type: string, count: number): Promise<void> {
  await expect
    .poll(async () => (await seenEvents(page)).filter((e) => e.type === type).length, { timeout: 15_000 })
    .toBe(count);
}

async function launch(page: Page, patient: SyntheticPatient): Promise<string> {
  const { issuer, bff } = w();
  const token = await signLaunch(
    issuer,
    launchClaims(issuer, {
      audience: bff.url,
      user: DR_ASHWORTH,
      nhsNumber: patient.nhsNumber,
      birthDate: patient.birthDate,
    }),
  );
  await setLaunch(page, token);
  return token;
}

function setLaunch(page: Page, token: string): Promise<void> {
  return page.evaluate((t) => document.querySelector('care-sidebar')?.setAttribute('launch', t), token);
}

/** The sidebar's text as rendered (innerText applies text-transform), per top-level block. */
function renderedText(page: Page, selector: string): Promise<string[]> {
  return page.evaluate(
    (s) =>
      [...(document.querySelector('care-sidebar')?.shadowRoot?.querySelectorAll<HTMLElement>(s) ?? [])].map(
        (el) => el.innerText,
      ),
    selector,
  );
}

interface Presence {
  readonly selector: string;
  readonly count: number;
  readonly visible: number;
  readonly minWidth: number;
  readonly minHeight: number;
}

/** How many elements match each selector in the shadow root, and how many are visible with a real size. */
function presence(page: Page, selectors: readonly string[]): Promise<Presence[]> {
  return page.evaluate((list) => {
    const root = document.querySelector('care-sidebar')?.shadowRoot;
    return list.map((selector) => {
      const els = [...(root?.querySelectorAll<HTMLElement>(selector) ?? [])];
      const rects = els.map((el) => el.getBoundingClientRect());
      const visible = els.filter(
        (el, i) =>
          el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) &&
          (rects[i]?.width ?? 0) > 0 &&
          (rects[i]?.height ?? 0) > 0,
      );
      return {
        selector,
        count: els.length,
        visible: visible.length,
        minWidth: Math.min(...rects.map((r) => Math.round(r.width))),
        minHeight: Math.min(...rects.map((r) => Math.round(r.height))),
      };
    });
  }, selectors);
}

/** Buttons that a click at their centre would not reach (another element on top, or pointer-events). */
function unreachableButtons(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('care-sidebar')?.shadowRoot;
    const out: string[] = [];
    for (const button of root?.querySelectorAll<HTMLElement>('button') ?? []) {
      if (!button.checkVisibility()) continue;
      button.scrollIntoView({ block: 'center', inline: 'center' });
      const r = button.getBoundingClientRect();
      const hit = root?.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const style = getComputedStyle(button);
      if (!hit || !button.contains(hit) || style.pointerEvents === 'none') {
        out.push(`${button.textContent?.trim() ?? ''} (hit ${hit?.localName ?? 'nothing'})`);
      }
    }
    return out;
  });
}

async function axeViolations(page: Page): Promise<string> {
  const results = await page.evaluate(async (options) => {
    const axe = (window as unknown as { axe: { run: (el: Element, o: unknown) => Promise<unknown> } }).axe;
    const el = document.querySelector('care-sidebar');
    if (!el) throw new Error('no care-sidebar');
    return axe.run(el, options);
  }, WCAG_AA);
  return (results as AxeResults).violations
    .map(
      (v) =>
        `${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// The walk

interface StateRecord {
  readonly styles: StyleSnapshot;
  readonly banner: string[];
  readonly parts: string[];
}

type Walk = Map<string, StateRecord>;

/**
 * What must be on screen in a state: for each selector, at least that many elements, every one of
 * them visible with a real size. Then clickability and axe, then the state is recorded.
 */
async function check(page: Page, state: string, atLeast: Record<string, number>, walk: Walk): Promise<void> {
  const found = await presence(page, Object.keys(atLeast));
  expect(
    found.map((f) => ({
      selector: f.selector,
      enough: f.count >= (atLeast[f.selector] ?? 1),
      allVisible: f.visible === f.count,
      sized: f.minWidth > 40 && f.minHeight > 10,
    })),
    `${state}: ${JSON.stringify(found)}`,
  ).toEqual(Object.keys(atLeast).map((selector) => ({ selector, enough: true, allVisible: true, sized: true })));
  expect(await unreachableButtons(page), `${state}: buttons a click cannot reach`).toEqual([]);
  const violations = await axeViolations(page);
  expect(violations, `axe violations in the ${state} state:\n${violations}`).toBe('');
  walk.set(state, {
    styles: await shadowStyles(page),
    banner: await renderedText(page, '[part="banner"] .patient-name'),
    parts: await page.evaluate(() => [
      ...new Set(
        [...(document.querySelector('care-sidebar')?.shadowRoot?.querySelectorAll('[part]') ?? [])].flatMap((el) =>
          (el.getAttribute('part') ?? '').split(/\s+/),
        ),
      ),
    ]),
  });
}

async function walkStates(css: string | undefined): Promise<{ walk: Walk; events: SeenEvent[] }> {
  const walk: Walk = new Map();
  const page = await openHostPage(css);
  try {
    const sidebar = page.locator('care-sidebar');

    // Data: Marigold, known to both hospitals.
    await launch(page, MARIGOLD);
    await waitForEvent(page, 'care-sidebar-ready', 1);
    await expect.poll(() => sidebar.getByRole('button', { name: HTML_LETTER }).count()).toBe(1);
    await check(
      page,
      'data',
      { '[part="banner"]': 1, '[part="section"]': 3, '[part="flag"]': 2, '[part="result"]': 4, '[part="letter"]': 3 },
      walk,
    );

    // Letter open: a real click on the letter's button (Playwright checks it receives the click).
    await sidebar.getByRole('button', { name: HTML_LETTER }).click();
    await waitForEvent(page, 'care-sidebar-letter-opened', 1);
    await expect.poll(() => sidebar.locator('iframe.letter-frame').count()).toBe(1);
    await check(page, 'letter open', { '[part="banner"]': 1, '[part="letter-reader"]': 1, iframe: 1 }, walk);
    await sidebar.getByRole('button', { name: /back/i }).click();
    await expect.poll(() => sidebar.locator('[part="letter-reader"]').count()).toBe(0);

    // A result's history open: the potassium that was re-issued (its first value marked as replaced).
    const history = sidebar.getByRole('button', { name: /^History \(2\) of Potassium$/ });
    await history.click();
    await expect.poll(() => sidebar.locator('.history-table tbody tr').count()).toBe(2);
    await check(
      page,
      'history open',
      { '[part="banner"]': 1, '.history-table': 1, 'tr[data-superseded="true"]': 1 },
      walk,
    );
    await sidebar.getByRole('button', { name: /^Hide history of Potassium$/ }).click();
    await expect.poll(() => sidebar.locator('.history-table').count()).toBe(0);
    await page.mouse.move(0, 0); // no :hover left on whatever is drawn under the pointer next

    // Patient switch: Thaddeus, known to Calderbrook only.
    await launch(page, THADDEUS);
    await waitForEvent(page, 'care-sidebar-ready', 2);
    const text = (await renderedText(page, '.summary')).join('\n');
    expect(text.toLowerCase()).not.toContain(MARIGOLD.family.toLowerCase());
    await check(
      page,
      'patient switched',
      { '[part="banner"]': 1, '[part="section"]': 3, '[part="result"]': 1, '[part="letter"]': 1 },
      walk,
    );

    // Partial: Fellmoor too slow to answer within its limit.
    w().fellmoorProxy.mode = 'slow';
    let replayable: string;
    try {
      replayable = await launch(page, MARIGOLD);
      await waitForEvent(page, 'care-sidebar-ready', 3);
    } finally {
      w().fellmoorProxy.mode = 'normal';
    }
    const notices = await renderedText(page, '.section .notice[data-kind="warning"]');
    expect(notices.length).toBe(3);
    for (const notice of notices) expect(notice.toLowerCase()).toContain(FELLMOOR.toLowerCase());
    await check(
      page,
      'partial',
      { '[part="banner"]': 1, '[part="section"]': 3, '.notice[data-kind="warning"]': 3, '[part="result"]': 2 },
      walk,
    );

    // Error: the same launch again (after the host cleared it) is a replay, refused by the BFF.
    await page.evaluate(() => document.querySelector('care-sidebar')?.removeAttribute('launch'));
    await setLaunch(page, replayable);
    await waitForEvent(page, 'care-sidebar-error', 1);
    await check(page, 'error', { '.notice.error': 1 }, walk);

    return { walk, events: await seenEvents(page) };
  } finally {
    await page.close();
  }
}

// ---------------------------------------------------------------------------------------------

let baseline: Walk | undefined;

describe('<care-sidebar> on a third-party host page with hostile global CSS', () => {
  it('without hostile CSS: every state renders, is clickable and has no axe violations; parts and events are the manifest’s', async () => {
    const { walk, events } = await walkStates(undefined);
    baseline = walk;
    expect([...walk.keys()]).toEqual(['data', 'letter open', 'history open', 'patient switched', 'partial', 'error']);
    expect(events).toEqual([
      { type: 'care-sidebar-ready' },
      { type: 'care-sidebar-letter-opened' },
      { type: 'care-sidebar-ready' },
      { type: 'care-sidebar-ready' },
      { type: 'care-sidebar-error', code: 'launch-replayed' },
    ]);

    // What the element does is what its Custom Elements Manifest says.
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/widget/custom-elements.json'), 'utf8')) as {
      modules: {
        declarations?: {
          tagName?: string;
          attributes?: { name: string }[];
          cssParts?: { name: string }[];
          events?: { name: string }[];
        }[];
      }[];
    };
    const element = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'care-sidebar');
    const partsSeen = new Set([...walk.values()].flatMap((s) => s.parts));
    expect([...partsSeen].sort()).toEqual((element?.cssParts ?? []).map((p) => p.name).sort());
    const eventNames = (element?.events ?? []).map((e) => e.name);
    for (const e of events) expect(eventNames).toContain(e.type);
    const page = await openHostPage(undefined);
    try {
      const observed = await page.evaluate(() => {
        const ctor = customElements.get('care-sidebar') as unknown as { observedAttributes: string[] };
        return [...ctor.observedAttributes].sort();
      });
      expect(observed).toEqual((element?.attributes ?? []).map((a) => a.name).sort());

      // Cross-origin, the page can read the BFF's Date header: the widget counts a session's
      // expiry down by the BFF's clock, whatever this machine's clock says.
      const seen = await page.evaluate(async (bffUrl) => {
        const res = await fetch(`${bffUrl}/api/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ launch: 'not-a-token' }),
        });
        return { status: res.status, date: res.headers.get('date'), requestId: res.headers.get('x-request-id') };
      }, w().bff.url);
      expect(seen.status).toBe(401);
      expect(Math.abs(Date.parse(seen.date ?? '') - Date.now())).toBeLessThan(5_000);
      expect(seen.requestId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await page.close();
    }
  });

  it.each(Object.keys(HOSTILE))(
    'with "%s": every state looks exactly as without it, stays clickable and has no axe violations',
    async (name) => {
      if (!baseline) throw new Error('the baseline walk did not run');
      const { walk } = await walkStates(name);
      expect([...walk.keys()]).toEqual([...baseline.keys()]);
      for (const [state, record] of walk) {
        const before = baseline.get(state);
        if (!before) throw new Error(state);
        const differences = styleDifferences(before.styles, record.styles);
        expect(differences, `${state}: computed styles changed by the host page's CSS`).toEqual([]);
        expect(record.banner, `${state}: the patient's name as rendered`).toEqual(before.banner);
      }
    },
  );
});
