import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@keyway/source'] },
  ssr: { resolve: { conditions: ['@keyway/source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    // The JSON report feeds the totals line of .ci/run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/testing/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 85, functions: 85, branches: 75, statements: 85 },
    },
  },
});
