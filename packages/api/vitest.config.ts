import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@keyway/source'] },
  ssr: { resolve: { conditions: ['@keyway/source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    // The JSON report feeds the totals line of .ci/run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 20_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/testing.ts'],
      reporter: ['text-summary', 'json-summary'],
      // Just below what the suites reach without PostgreSQL and Redis (they add a little more); raise them as tests grow.
      thresholds: { lines: 95, functions: 95, branches: 82, statements: 95 },
    },
  },
});
