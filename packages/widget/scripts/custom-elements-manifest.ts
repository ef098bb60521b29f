/**
 * The Custom Elements Manifest of <care-sidebar> (packages/widget/custom-elements.json), made by
 * @custom-elements-manifest/analyzer from the element's source and JSDoc (@attr, @fires, @csspart,
 * @cssproperty) with scripts/custom-elements-manifest.config.mjs.
 *
 *   node scripts/custom-elements-manifest.ts           writes custom-elements.json (part of `npm run build`)
 *   node scripts/custom-elements-manifest.ts --check   regenerates it into a temporary directory and exits 1
 *                                                      when the committed file differs (part of `npm test`)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const WIDGET_DIR = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = join(WIDGET_DIR, 'custom-elements.json');
const CONFIG = 'scripts/custom-elements-manifest.config.mjs';
const ANALYZER = createRequire(import.meta.url).resolve('@custom-elements-manifest/analyzer/cem.js');

/** Runs the analyzer, writing `<dir>/custom-elements.json`. */
function analyze(dir: string): void {
  // The analyzer joins --outdir to its working directory, so it takes a relative path.
  const outdir = relative(WIDGET_DIR, dir) || '.';
  const run = spawnSync(process.execPath, [ANALYZER, 'analyze', '--config', CONFIG, '--outdir', outdir], {
    cwd: WIDGET_DIR,
    encoding: 'utf8',
  });
  if (run.status !== 0 || !existsSync(join(dir, 'custom-elements.json'))) {
    process.stderr.write(`${run.stdout}${run.stderr}`);
    throw new Error(`@custom-elements-manifest/analyzer failed (exit ${String(run.status)})`);
  }
}

if (process.argv.includes('--check')) {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-cem-'));
  try {
    analyze(dir);
    const fresh = readFileSync(join(dir, 'custom-elements.json'), 'utf8');
    const committed = existsSync(MANIFEST) ? readFileSync(MANIFEST, 'utf8') : '';
    if (fresh !== committed) {
      process.stderr.write(
        'packages/widget/custom-elements.json is stale: the element’s attributes, events, parts or custom ' +
          'properties changed. Run `npm run build:widget` and commit custom-elements.json.\n',
      );
      process.exit(1);
    }
    process.stdout.write('custom-elements.json is up to date.\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  analyze(WIDGET_DIR);
  process.stdout.write(`wrote ${relative(process.cwd(), MANIFEST) || MANIFEST}\n`);
}
