import { defineConfig } from 'vitest/config';

// Two projects: fast pure-logic unit tests, and integration tests that drive the engine's CLI
// against real servers (the k6-export tests need `make build` first; `make test` does it).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // Integration tests start servers on fixed loopback ports and measure timing:
          // run them one file at a time so they do not disturb each other on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
