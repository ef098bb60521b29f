import { type RunningDemo, startDemo } from '@care-sidebar/demo';
import type { DocumentReference, Patient, Resource } from '@medplum/fhirtypes';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSourceResources } from '@care-sidebar/demo/mocks';

// Two synthetic patients from the demo GP list: one known to Leeds only, one known to both hospitals.
const FIRST = { nhsNumber: '9993456780', banner: '999 345 6780', family: 'HARTLEY' };
const SECOND = { nhsNumber: '9994567896', banner: '999 456 7896', family: 'OYELARAN' };

/** Letter titles a patient has at any demo source, found from the data rather than hard-coded. */
function letterTitles(nhsNumber: string): Set<string> {
  const titles = new Set<string>();
  for (const resources of Object.values<readonly Resource[]>(demoSourceResources)) {
    const patient = resources.find(
      (r): r is Patient => r.resourceType === 'Patient' && (r.identifier ?? []).some((i) => i.value === nhsNumber),
    );
    if (!patient) continue;
    for (const r of resources) {
      const doc = r as DocumentReference;
      if (
        r.resourceType === 'DocumentReference' &&
        doc.status === 'current' &&
        doc.subject?.reference?.endsWith(`Patient/${patient.id}`) &&
        doc.description
      ) {
        titles.add(doc.description);
      }
    }
  }
  return titles;
}

let demo: RunningDemo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-e2e-'));
  demo = await startDemo({ bffPort: 18787, pagePort: 15173, auditUrl: `sqlite:${join(dir, 'audit.db')}`, quiet: true });
  browser = await launchChromium();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

function sidebarText(p: Page): Promise<string> {
  return p.evaluate(() => document.querySelector('care-sidebar')?.shadowRoot?.textContent ?? '');
}

describe('the demo, end to end', () => {
  it('HAZ-001, HAZ-002: shows a patient, switches to another without ever showing the first under the second, and audits each view', async () => {
    await page.goto(demo.pageUrl);
    await expect.poll(() => page.locator('[data-nhs-number]').count()).toBeGreaterThanOrEqual(6);
    expect(await page.textContent('body')).toMatch(/synthetic/i);

    const firstLetters = [...letterTitles(FIRST.nhsNumber)];
    const secondLetters = letterTitles(SECOND.nhsNumber);
    const onlyFirst = firstLetters.filter((t) => !secondLetters.has(t));
    expect(onlyFirst.length).toBeGreaterThan(0);

    await page.click(`[data-nhs-number="${FIRST.nhsNumber}"]`);
    await expect.poll(() => sidebarText(page), { timeout: 15_000 }).toContain(onlyFirst[0]);
    const first = await sidebarText(page);
    expect(first).toContain(FIRST.banner);
    expect(first).toContain(FIRST.family);

    // Record the sidebar after every DOM change from here on.
    await page.evaluate(() => {
      const root = document.querySelector('care-sidebar')?.shadowRoot;
      const w = window as unknown as { snapshots: string[] };
      w.snapshots = [];
      if (!root) return;
      new MutationObserver(() => w.snapshots.push(root.textContent ?? '')).observe(root, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
    });

    await page.click(`[data-nhs-number="${SECOND.nhsNumber}"]`);
    await expect.poll(() => sidebarText(page), { timeout: 15_000 }).toContain([...secondLetters][0]);
    const second = await sidebarText(page);
    expect(second).toContain(SECOND.banner);
    expect(second).toContain(SECOND.family);
    for (const title of onlyFirst) expect(second).not.toContain(title);

    // No moment where the first patient's data shows under the second patient's banner.
    const snapshots = await page.evaluate(() => (window as unknown as { snapshots: string[] }).snapshots);
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) {
      if (!snapshot.includes(SECOND.banner)) continue;
      expect(snapshot).not.toContain(FIRST.banner);
      expect(snapshot).not.toContain(FIRST.family);
      for (const title of onlyFirst) expect(snapshot).not.toContain(title);
    }

    // One audit record per view, for the right patient, by the launching user.
    const db = new DatabaseSync(demo.auditPath, { readOnly: true });
    const views = db
      .prepare(
        "SELECT nhs_number, outcome, user_name, user_verified FROM audit_event WHERE action = 'summary-view' ORDER BY seq",
      )
      .all() as { nhs_number: string; outcome: string; user_name: string; user_verified: number }[];
    db.close();
    expect(views.map((v) => [v.nhs_number, v.outcome, v.user_verified])).toEqual([
      [FIRST.nhsNumber, 'shown', 1],
      [SECOND.nhsNumber, 'shown', 1],
    ]);
  });
});
