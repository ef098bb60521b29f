import type { OperationOutcome } from '@medplum/fhirtypes';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoSources, demoUpstreamHandlers } from './fhir-handlers.ts';
import { SOURCE_MODES, SourceFaults, isSourceMode, sourceModeLabel } from './source-faults.ts';

const A = 'https://fhir.hospital-a.example/R4';
const B = 'https://fhir.hospital-b.example/R4';
const SLOW_MS = 150;

const faults = new SourceFaults(demoSources, { slowLatencyMs: SLOW_MS, flakySeed: 42 });
const server = setupServer(
  ...demoUpstreamHandlers({ 'hospital-a': { latencyMs: 0 }, 'hospital-b': { latencyMs: 0 } }, { faults }),
);

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(async () => {
  faults.reset();
  // Nothing a test started may still be held by `slow` or `hang`.
  await expect.poll(() => faults.waiting).toBe(0);
});
afterAll(() => server.close());

async function expectUnavailable(res: Response): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/fhir\+json/);
  const outcome = (await res.json()) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue?.[0]?.code).toBe('transient');
}

describe('source fault state', () => {
  it('starts every demo source normal, lists them in order and switches one at a time', () => {
    expect(faults.list()).toEqual(demoSources.map(({ id, name }) => ({ id, name, mode: 'normal' })));
    expect(faults.setMode('hospital-b', 'down')).toEqual({
      id: 'hospital-b',
      name: demoSources[1]?.name,
      mode: 'down',
    });
    expect(faults.mode('hospital-b')).toBe('down');
    expect(faults.mode('hospital-a')).toBe('normal');
    expect(faults.mode('nowhere')).toBeUndefined();
  });

  it('refuses an unknown source or mode', () => {
    expect(() => faults.setMode('hospital-z', 'down')).toThrow(RangeError);
    expect(() => faults.setMode('hospital-a', 'broken' as never)).toThrow(RangeError);
    expect(faults.mode('hospital-a')).toBe('normal');
  });

  it('knows its modes and labels them', () => {
    expect(SOURCE_MODES).toEqual(['normal', 'slow', 'flaky', 'down', 'hang']);
    for (const mode of SOURCE_MODES) {
      expect(isSourceMode(mode)).toBe(true);
      expect(sourceModeLabel(mode)).not.toBe('');
    }
    expect(isSourceMode('Normal')).toBe(false);
    expect(isSourceMode(undefined)).toBe(false);
    expect(sourceModeLabel('slow')).toContain('6 s');
    expect(sourceModeLabel('slow', 1500)).toContain('1.5 s');
  });
});

describe('demo sources under each fault mode', () => {
  it('normal: both sources answer', async () => {
    for (const base of [A, B]) expect((await fetch(`${base}/metadata`)).status).toBe(200);
  });

  it('slow: answers, but not before the configured latency; the other source is unaffected', async () => {
    faults.setMode('hospital-b', 'slow');
    const started = performance.now();
    const slow = fetch(`${B}/Patient?_count=1`);
    const fast = await fetch(`${A}/Patient?_count=1`);
    expect(fast.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(SLOW_MS);
    const res = await slow;
    // 1 ms of slack: Node may round a timer's due time down.
    expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_MS - 1);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('Bundle');
  });

  it('slow: a client that gives up first is let go (no timer left behind)', async () => {
    faults.setMode('hospital-a', 'slow');
    await expect(fetch(`${A}/metadata`, { signal: AbortSignal.timeout(20) })).rejects.toThrow();
    await expect.poll(() => faults.waiting).toBe(0);
  });

  it('down: every call to that source is 503 (OperationOutcome transient)', async () => {
    faults.setMode('hospital-b', 'down');
    for (const path of ['metadata', 'Patient?_count=1', 'Patient/does-not-matter', 'DiagnosticReport?patient=x']) {
      await expectUnavailable(await fetch(`${B}/${path}`));
    }
    const post = await fetch(`${B}/Patient/_search`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '_count=1',
    });
    await expectUnavailable(post);
    expect((await fetch(`${A}/metadata`)).status).toBe(200);
  });

  it('flaky: fails about half the calls with 503, in a pattern fixed by the seed', async () => {
    const CALLS = 40;
    async function statuses(): Promise<number[]> {
      faults.setMode('hospital-a', 'flaky'); // the pattern restarts at each switch to flaky
      const out: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const res = await fetch(`${A}/metadata`);
        if (res.status === 503) await expectUnavailable(res);
        else await res.body?.cancel();
        out.push(res.status);
      }
      return out;
    }
    const first = await statuses();
    expect(new Set(first)).toEqual(new Set([200, 503]));
    const failures = first.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThanOrEqual(CALLS * 0.25);
    expect(failures).toBeLessThanOrEqual(CALLS * 0.75);

    faults.setMode('hospital-a', 'normal');
    expect(await statuses()).toEqual(first);
  });

  it('flaky: the same seed gives the same pattern; each source has its own', async () => {
    const pattern = async (f: SourceFaults, id: string) => {
      f.setMode(id, 'flaky');
      const out: string[] = [];
      for (let i = 0; i < 32; i++) out.push(await f.apply(id));
      return out.join(',');
    };
    const one = new SourceFaults(demoSources, { flakySeed: 7 });
    const two = new SourceFaults(demoSources, { flakySeed: 7 });
    expect(await pattern(one, 'hospital-a')).toBe(await pattern(two, 'hospital-a'));
    expect(await pattern(one, 'hospital-b')).not.toBe(await pattern(one, 'hospital-a'));
    const never = new SourceFaults(demoSources, { flakyFailureRate: 0 });
    expect(await pattern(never, 'hospital-a')).not.toContain('unavailable');
  });

  it('hang: never answers; the call is let go when the client gives up', async () => {
    faults.setMode('hospital-b', 'hang');
    const started = performance.now();
    await expect(fetch(`${B}/metadata`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await expect.poll(() => faults.waiting).toBe(0);
  });

  it('hang: a call still waiting is answered 503 when the mode changes', async () => {
    faults.setMode('hospital-b', 'hang');
    let settled = false;
    const pending = fetch(`${B}/metadata`).finally(() => (settled = true));
    await expect.poll(() => faults.waiting).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    faults.setMode('hospital-b', 'normal');
    await expectUnavailable(await pending);
    expect((await fetch(`${B}/metadata`)).status).toBe(200);
  });

  it('releaseAll lets every held call go at once', async () => {
    faults.setMode('hospital-a', 'hang');
    faults.setMode('hospital-b', 'slow');
    const pending = [fetch(`${A}/metadata`), fetch(`${B}/metadata`)];
    await expect.poll(() => faults.waiting).toBe(2);
    faults.releaseAll();
    const [a, b] = await Promise.all(pending);
    if (!a || !b) throw new Error('missing response');
    await expectUnavailable(a);
    await expectUnavailable(b);
  });
});
