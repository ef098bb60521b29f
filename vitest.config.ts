import { defineConfig } from 'vitest/config';

// One runner for Node-side suites; the widget runs in Chromium under web-test-runner.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'shared', include: ['packages/shared/src/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'bff', include: ['packages/bff/src/**/*.test.ts', 'demo/**/*.test.ts'], environment: 'node' } },
      // The bench's own tools (comparing runs); the scenarios themselves are run by `npm run bench`.
      { test: { name: 'bench', include: ['test/bench/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
