import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';

// msw's worker script is served from the installed package, so it always matches the msw
// version the tests import (its integrity check compares them), and no copy is committed.
const mockServiceWorkerPath = createRequire(import.meta.url).resolve('msw/mockServiceWorker.js');

/** @type {import('@web/test-runner').TestRunnerConfig} */
export default {
  files: ['src/**/*.test.ts'],
  // The monorepo root, so workspace packages (@care-sidebar/shared) and hoisted modules are in reach.
  rootDir: '../..',
  // Browser builds of dependencies (msw's interceptors ship node and browser entry points).
  nodeResolve: { exportConditions: ['browser'] },
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022' }),
    // FUZZ_SEED / FUZZ_SEQUENCES for src/patient-switch.fuzz.test.ts (executeServerCommand('fuzz-config')).
    {
      name: 'fuzz-config',
      executeCommand: ({ command }) =>
        command === 'fuzz-config'
          ? { seed: process.env.FUZZ_SEED ?? '', sequences: process.env.FUZZ_SEQUENCES ?? '' }
          : undefined,
    },
  ],
  middleware: [
    async function serveMockServiceWorker(context, next) {
      if (context.path !== '/mockServiceWorker.js') return next();
      context.type = 'text/javascript';
      context.set('cache-control', 'no-store');
      context.body = await readFile(mockServiceWorkerPath, 'utf8');
    },
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
          '--disable-component-update',
          '--disable-sync',
        ],
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
};
