/**
 * Runs the BFF the way an integrator does (`npm start` = `node packages/bff/src/main.ts`), as a
 * child process with its own config file and environment, and stops it again.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port in 19000–19999 that nothing on 127.0.0.1 listens on now (at most 100 tries). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 19_000 + Math.floor(Math.random() * 1_000);
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port in 19000–19999');
}

export interface BffChild {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Everything the process wrote to stdout so far (JSON log lines). */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartBffOptions {
  /** Written as JSON to `<dir>/<name>.config.json`. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly dir: string;
  readonly name: string;
  readonly port: number;
  /** Extra environment (the session secret). Nothing else of the test's environment is passed on. */
  readonly env: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export async function startBff(options: StartBffOptions): Promise<BffChild> {
  const configPath = join(options.dir, `${options.name}.config.json`);
  writeFileSync(configPath, JSON.stringify(options.config, null, 2));
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['packages/bff/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      CARE_SIDEBAR_CONFIG: configPath,
      PORT: String(options.port),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const stop = async (graceMs = 5_000): Promise<number | null> => {
    if (hasExited) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const listening = () =>
    stdout.split('\n').some((line) => {
      try {
        return (JSON.parse(line) as { msg?: unknown }).msg === 'listening';
      } catch {
        return false;
      }
    });
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (!listening()) {
    if (hasExited || Date.now() > deadline) {
      await stop(1_000);
      throw new Error(
        `the BFF (${options.name}) did not start: exit ${String(child.exitCode)}\nstdout: ${stdout}\nstderr: ${stderr}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `http://127.0.0.1:${options.port}`, stdout: () => stdout, stderr: () => stderr, stop };
}
