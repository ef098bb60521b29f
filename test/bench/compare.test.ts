import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchReport, compareReports, parseReport } from './compare.ts';
import type { Figure } from './scenario.ts';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

const figure = (scenario: string, label: string, value: number | null, target: string, unit = 'ms'): Figure => ({
  scenario,
  figure: label,
  value,
  unit,
  target,
  verdict: value === null ? 'not-measured' : 'report',
});

const report = (mode: string, figures: Figure[]): BenchReport => ({
  mode,
  startedAt: '2026-12-07T05:00:00.000Z',
  machine: { nproc: 2, cpu: 'test CPU', node: 'v24' },
  git: { commit: 'abc1234', dirty: false },
  figures,
});

const quick = report('quick', [
  figure('upstream latency pass-through', 'BFF latency − slowest upstream delay, p50', 5, '≤ 2 ms'),
  figure('upstream latency pass-through', 'BFF latency − slowest upstream delay, p99', 10, '≤ 10 ms'),
  figure('cache-hit summary', 'requests/s BFF ÷ bare (median of 3 interleaved rounds)', 0.3, '≥ 0.5', 'ratio'),
  figure('large record, cold', 'summary latency, 600 results, p50 of 5', 60, 'report'),
  figure('soak', 'RSS growth after warm-up', null, 'flat'),
  figure('gone', 'only in the earlier run', 1, 'report'),
]);
const full = report('full+soak', [
  figure('upstream latency pass-through', 'BFF latency − slowest upstream delay, p50', 4, '≤ 2 ms'),
  figure('upstream latency pass-through', 'BFF latency − slowest upstream delay, p99', 10.2, '≤ 10 ms'),
  figure('cache-hit summary', 'requests/s BFF ÷ bare (median of 5 interleaved rounds)', 0.27, '≥ 0.5', 'ratio'),
  figure('large record, cold', 'summary latency, 600 results, p50 of 20', 50, 'report'),
  figure('soak (10 min)', 'RSS growth after warm-up (421 MB median)', 0.2, 'flat: ≤ 10 %', '%'),
]);

describe('comparing two bench runs', () => {
  const rows = compareReports(quick, full);
  const row = (label: string) => rows.find((r) => r.figure.startsWith(label) || r.scenario.startsWith(label));

  it('matches a quick run with a full one despite their round counts, and keeps p50 apart from p99', () => {
    expect(rows.map((r) => [r.before, r.after])).toEqual([
      [5, 4],
      [10, 10.2],
      [0.3, 0.27],
      [60, 50],
      [null, 0.2],
      [1, null],
    ]);
  });

  it("calls a change better or worse by the target's direction, and small changes the same", () => {
    expect(row('BFF latency − slowest upstream delay, p50')).toMatchObject({ changePercent: -20, direction: 'better' });
    expect(row('BFF latency − slowest upstream delay, p99')).toMatchObject({ changePercent: 2, direction: 'same' });
    expect(row('requests/s')).toMatchObject({ changePercent: -10, direction: 'worse' });
    // A reported line has no direction; a line measured on one side only has no change.
    expect(row('summary latency')).toMatchObject({ changePercent: -16.7, direction: '' });
    expect(row('RSS growth')).toMatchObject({ changePercent: null, verdictBefore: 'not-measured' });
    expect(row('gone')).toMatchObject({ after: null, verdictAfter: 'absent' });
  });

  it('refuses a file that is not a bench result, naming it', () => {
    expect(() => parseReport('{', 'a.json')).toThrow('a.json is not JSON');
    expect(() => parseReport('{"figures": 3}', 'b.json')).toThrow('b.json is not a bench result');
  });

  describe('npm run bench -- --compare', () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-bench-compare-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const bench = (...args: string[]) =>
      spawnSync(process.execPath, [RUN, '--compare', ...args], { encoding: 'utf8', timeout: 30_000 });

    it('prints both runs and each figure with its change, and runs no scenario', () => {
      const before = join(dir, 'before.json');
      const after = join(dir, 'after.json');
      writeFileSync(before, JSON.stringify(quick));
      writeFileSync(after, JSON.stringify(full));
      const out = bench(before, after);
      expect(out.status).toBe(0);
      expect(out.stdout).toContain(`before: ${before}: quick,`);
      expect(out.stdout).toContain(`after:  ${after}: full+soak,`);
      expect(out.stdout).toMatch(/\| BFF latency − slowest upstream delay, p50 +\| 5 ms +\| 4 ms +\| -20 % \(better\)/);
      expect(out.stderr).not.toContain('▶');
    });

    it('names a file that cannot be read as a result, and exits 64', () => {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, 'not json');
      const out = bench(bad, bad);
      expect(out.status).toBe(64);
      expect(out.stderr).toContain(`${bad} is not JSON`);
    });
  });
});
