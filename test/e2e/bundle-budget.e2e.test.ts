/**
 * The widget's size budget is enforced by its build (packages/widget/scripts/check-bundle-size.ts,
 * run by `npm run build:widget`, which `npm test` runs): this checks that the check measures the
 * built script and fails the build when the script is over its limit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const WIDGET = fileURLToPath(new URL('../../packages/widget/', import.meta.url));
const CHECK = 'scripts/check-bundle-size.ts';

function gzipped(): number {
  return gzipSync(readFileSync(`${WIDGET}dist/care-sidebar.js`), { level: 6 }).byteLength;
}

describe('the widget bundle budget', () => {
  it('passes the built script when it is within 25 KB gzipped, and says its size', () => {
    const size = gzipped();
    expect(size).toBeLessThanOrEqual(25 * 1024);
    const out = execFileSync(process.execPath, [CHECK], { cwd: WIDGET, encoding: 'utf8' });
    expect(out).toContain(`care-sidebar.js: ${(size / 1024).toFixed(1)} KB gzipped (budget 25.0 KB)`);
  });

  it('fails the build, naming the size and the budget, when the script is over it', () => {
    const size = gzipped();
    const run = spawnSync(process.execPath, [CHECK, '--limit-bytes', String(size - 1)], {
      cwd: WIDGET,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('over the');
  });
});
