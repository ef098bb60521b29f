/**
 * The README's screenshots, taken from the demo: `npm run screenshots` (after `npm ci`).
 *
 * For each entry of SHOTS it starts the demo in this process (BFF, mocked hospitals, GP page, on
 * free loopback ports, audit in a temporary directory), sets the mocked hospitals' fault modes
 * through the demo controls endpoint (/__demo/sources), opens the GP page in headless Chromium
 * (Debian's /usr/bin/chromium) 400 px wide, picks the patient, does the entry's steps, and saves
 * the <care-sidebar> element as docs/screenshots/<file>.png. Each shot gets a fresh demo, so no
 * answer cached by the BFF for an earlier shot can leak into it. Everything started is stopped.
 *
 * To add a state, add one entry to SHOTS (and a line to the README's "Screenshots" section).
 */
import { startDemo, type RunningDemo } from '@care-sidebar/demo';
import type { SourceMode } from '@care-sidebar/demo/mocks';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../test/e2e/support/chromium.ts';

const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const WIDTH = 400;
/** Taller sidebars are cut here, to keep the pictures small. */
const MAX_HEIGHT = 1100;

export interface Shot {
  /** Saved as docs/screenshots/<file>.png. */
  readonly file: string;
  /** What it shows; the README uses it as the alt text. */
  readonly caption: string;
  /** The demo GP list patient to pick. */
  readonly nhsNumber: string;
  /** Mocked hospital fault modes, by source id (`hospital-a`, `hospital-b`), set before the patient is picked. */
  readonly sources?: Readonly<Record<string, SourceMode>>;
  /** A CSS selector (inside the sidebar) that is on screen once the state is reached. */
  readonly shows: string;
  /** Steps once `shows` is on screen, e.g. opening a letter; then `after` must be on screen. */
  readonly act?: (sidebar: Locator) => Promise<void>;
  readonly after?: string;
}

export const SHOTS: readonly Shot[] = [
  {
    file: 'data',
    caption: 'A patient with results, a risk flag and letters',
    nhsNumber: '9993456780',
    shows: '[part="result"]',
  },
  {
    file: 'partial',
    caption: 'One hospital down: each section says it may be incomplete and names the hospital',
    nhsNumber: '9993456780',
    sources: { 'hospital-b': 'down' },
    shows: '.notice[data-kind="warning"]',
  },
  {
    file: 'opted-out',
    caption: 'A patient who has opted out: nothing clinical is shown',
    nhsNumber: '9990000034',
    shows: '.notice.opted-out',
  },
  {
    file: 'no-data',
    caption: 'A patient neither hospital knows',
    nhsNumber: '9997890124',
    shows: '[part="section"] .notice',
  },
  {
    file: 'letter-open',
    caption: 'A discharge summary open in the reader',
    nhsNumber: '9993456780',
    shows: '[part="letter"] button',
    act: (sidebar) => sidebar.locator('[part="letter"] button').first().click(),
    after: '[part="letter-reader"] iframe',
  },
  {
    file: 'history',
    caption: "A creatinine result's history open: trend line and every value",
    nhsNumber: '9993456780',
    shows: '.history-toggle',
    act: (sidebar) =>
      sidebar.locator('.observation', { hasText: 'Creatinine' }).first().locator('.history-toggle').click(),
    after: '.history svg.sparkline',
  },
];

/** A port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function setSources(demo: RunningDemo, sources: Readonly<Record<string, SourceMode>>): Promise<void> {
  for (const [id, mode] of Object.entries(sources)) {
    const res = await fetch(`${demo.pageUrl}/__demo/sources/${encodeURIComponent(id)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode }),
    });
    if (!res.ok) throw new Error(`could not set ${id} to ${mode}: HTTP ${res.status} ${await res.text()}`);
  }
}

async function take(browser: Browser, shot: Shot, dir: string): Promise<string> {
  const demo = await startDemo({
    bffPort: await freePort(),
    pagePort: await freePort(),
    auditUrl: `sqlite:${join(dir, `${shot.file}.db`)}`,
    quiet: true,
  });
  let page: Page | undefined;
  try {
    if (shot.sources) await setSources(demo, shot.sources);
    page = await browser.newPage({ viewport: { width: WIDTH, height: 900 }, deviceScaleFactor: 1 });
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(demo.pageUrl);
    await page.click(`[data-nhs-number="${shot.nhsNumber}"]`);
    const sidebar = page.locator('care-sidebar');
    await sidebar.locator(shot.shows).first().waitFor({ state: 'visible', timeout: 20_000 });
    if (shot.act) {
      await shot.act(sidebar);
      if (shot.after) await sidebar.locator(shot.after).first().waitFor({ state: 'visible', timeout: 20_000 });
    }
    await sidebar.locator('[part="banner"][aria-busy="false"]').waitFor({ timeout: 20_000 });
    // Nothing focused: no focus ring in the picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // The whole page in the viewport, scrolled to the top: everything (content-visibility: auto
    // included) is painted, and the element's box is in page coordinates.
    const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: WIDTH, height: Math.min(pageHeight, 10_000) });
    await page.evaluate(async () => {
      window.scrollTo(0, 0);
      await document.fonts.ready;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    });
    const box = await sidebar.boundingBox();
    if (!box) throw new Error('the sidebar is not on screen');
    const path = join(OUT_DIR, `${shot.file}.png`);
    await page.screenshot({
      path,
      animations: 'disabled',
      caret: 'hide',
      clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, MAX_HEIGHT) },
    });
    return path;
  } finally {
    await page?.close();
    await demo.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const shots = only.length ? SHOTS.filter((s) => only.includes(s.file)) : SHOTS;
  if (shots.length === 0)
    throw new Error(`no shot named ${only.join(', ')}; known: ${SHOTS.map((s) => s.file).join(', ')}`);
  mkdirSync(OUT_DIR, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-screenshots-'));
  const browser = await launchChromium(['--hide-scrollbars']);
  try {
    for (const shot of shots) {
      const path = await take(browser, shot, dir);
      process.stdout.write(`${shot.file}: ${path} (${Math.round(statSync(path).size / 1024)} KB)\n`);
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  try {
    await main();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`screenshots failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
