import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const SECRET = { CARE_SIDEBAR_SESSION_SECRET: 'an-integration-test-secret-of-32-bytes!' };

function writeConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-main-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function validConfig(dir: string) {
  return {
    publicUrl: 'http://127.0.0.1:18931',
    port: 18931,
    trustedIssuers: [{ issuer: 'https://gp.example', jwksUri: 'https://gp.example/jwks.json' }],
    clinicalRoles: ['R8000'],
    sources: [{ id: 'a', name: 'A', fhirBaseUrl: 'https://fhir.a.example/R4' }],
    audit: { url: `sqlite:${join(dir, 'audit.db')}` },
    session: { secretEnv: 'CARE_SIDEBAR_SESSION_SECRET' },
  };
}

function run(env: Record<string, string>): {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill: (s: NodeJS.Signals) => void;
  stdout: () => string;
} {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void done.then(() => clearTimeout(timer));
  return { done, kill: (s) => child.kill(s), stdout: () => stdout };
}

describe('npm start (main.ts)', () => {
  it('refuses to start on a bad config, naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-main-'));
    const path = writeConfig({ ...validConfig(dir), publicUrl: 'http://bff.example.nhs.uk', sources: [] });
    const { code, stderr } = await run({ CARE_SIDEBAR_CONFIG: path, ...SECRET }).done;
    expect(code).toBe(78);
    expect(stderr).toContain('publicUrl must be an https: URL');
    expect(stderr).toContain('sources must name at least one source');
  });

  it('refuses to start when the config file is missing, naming CARE_SIDEBAR_CONFIG', async () => {
    const { code, stderr } = await run({ CARE_SIDEBAR_CONFIG: '/nonexistent/care-sidebar.json', ...SECRET }).done;
    expect(code).toBe(78);
    expect(stderr).toContain('CARE_SIDEBAR_CONFIG');
  });

  it('listens on PORT when set, answers /healthz, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-main-'));
    const path = writeConfig(validConfig(dir));
    const proc = run({ CARE_SIDEBAR_CONFIG: path, PORT: '18932', ...SECRET });
    const deadline = Date.now() + 15_000;
    while (!proc.stdout().includes('"listening"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const res = await fetch('http://127.0.0.1:18932/healthz');
    expect(res.status).toBe(200);
    expect((await fetch('http://127.0.0.1:18932/readyz')).status).toBe(200);
    proc.kill('SIGTERM');
    const { code, stdout } = await proc.done;
    expect(code).toBe(0);
    // Every log line is JSON.
    for (const line of stdout.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
