/**
 * Dependency audit for the test command: `npm audit --audit-level=high`, failing on any high or
 * critical advisory. Where the registry's advisory service cannot be reached (some mirrors refuse
 * its POST endpoint), it says so loudly and falls back to checking installed versions against the
 * minimum patched releases recorded below, so a known-vulnerable version still fails the build.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Minimum versions carrying fixes for advisories that matter to this product. */
const MINIMUMS: readonly { name: string; min: string; why: string }[] = [
  {
    name: 'hono',
    min: '4.13.5',
    why: 'GHSA-gqvv-2mrq-wpjv, GHSA-g6gw-c38x-mqfc, GHSA-crvj-82cr-hjcx; body-limit and CORS fixes',
  },
  { name: 'jose', min: '6.0.0', why: 'current major; earlier majors receive no fixes' },
];

function compare(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

const audit = spawnSync('npm', ['audit', '--audit-level=high', '--json'], { encoding: 'utf8' });
let report: { metadata?: { vulnerabilities?: Record<string, number> }; error?: { code?: string; summary?: string } } =
  {};
try {
  report = JSON.parse(audit.stdout) as typeof report;
} catch {
  // Not JSON: treated as the service being unreachable below.
}

if (report.metadata?.vulnerabilities) {
  const v = report.metadata.vulnerabilities;
  process.stdout.write(`npm audit: ${JSON.stringify(v)}\n`);
  if ((v['high'] ?? 0) + (v['critical'] ?? 0) > 0) {
    process.stderr.write('npm audit found high or critical advisories; run `npm audit` for details.\n');
    process.exit(1);
  }
  process.exit(0);
}

process.stderr.write(
  `WARNING: npm audit could not reach the advisory service (${report.error?.code ?? `exit ${audit.status}`}). ` +
    'Falling back to the recorded minimum patched versions; run `npm audit --audit-level=high` where the service is reachable.\n',
);
let failed = false;
for (const { name, min, why } of MINIMUMS) {
  // Every copy installed anywhere in the workspace, hoisted or nested.
  const copies = [
    'node_modules',
    'packages/bff/node_modules',
    'packages/widget/node_modules',
    'demo/node_modules',
  ].flatMap((dir) => {
    try {
      return [(JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as { version: string }).version];
    } catch {
      return [];
    }
  });
  if (copies.length === 0) {
    process.stdout.write(`FAIL ${name} is not installed where expected\n`);
    failed = true;
  }
  for (const version of copies) {
    const ok = compare(version, min) >= 0;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}@${version} (minimum ${min}: ${why})\n`);
    if (!ok) failed = true;
  }
}
process.exit(failed ? 1 : 0);
