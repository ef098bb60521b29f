/**
 * The widget's size budget (issue: "the script a host loads is at most 25 KB gzipped including Lit"):
 * gzips dist/care-sidebar.js as a server would (zlib level 6) and exits 1 if it is over budget, so
 * `npm run build:widget`, and with it `npm test`, fails. The lazily imported chunks in dist/chunks/
 * are not part of what a host loads first; their sizes are printed for information.
 *
 * `node scripts/check-bundle-size.ts [--limit-bytes N]`
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const BUDGET_BYTES = 25 * 1024;

function gzippedBytes(path: string): number {
  return gzipSync(readFileSync(path), { level: 6 }).byteLength;
}

const limitArg = process.argv.indexOf('--limit-bytes');
const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : BUDGET_BYTES;
if (!Number.isInteger(limit) || limit <= 0) {
  console.error('check-bundle-size: --limit-bytes needs a positive whole number');
  process.exit(2);
}

const entry = gzippedBytes(join(DIST, 'care-sidebar.js'));
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let chunks: string[] = [];
try {
  chunks = readdirSync(join(DIST, 'chunks')).filter((f) => f.endsWith('.js'));
} catch {
  // no lazily loaded chunks
}
for (const chunk of chunks)
  console.log(`  lazy chunks/${chunk}: ${kb(gzippedBytes(join(DIST, 'chunks', chunk)))} gzipped`);
if (entry > limit) {
  console.error(`care-sidebar.js is ${kb(entry)} gzipped: over the ${kb(limit)} budget`);
  process.exit(1);
}
console.log(`care-sidebar.js: ${kb(entry)} gzipped (budget ${kb(limit)})`);
