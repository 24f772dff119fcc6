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
      // main.ts and migrate.ts run only in the child processes of process.test.ts, which v8
      // coverage of this process does not see; test-support/ and the scale-out helpers are
      // the tests' own code.
      exclude: [
        'src/**/*.test.ts',
        'src/main.ts',
        'src/migrate.ts',
        'src/testing/**',
        'src/test-support/**',
        'src/scale-out/**',
      ],
      reporter: ['text-summary', 'json-summary'],
      // Just below what the SQLite-only run reaches (a machine without PostgreSQL and Redis,
      // where the scale-out suites skip and the Redis store goes unexercised); CI runs them too.
      thresholds: { lines: 86, functions: 77, branches: 81, statements: 84 },
    },
  },
});
