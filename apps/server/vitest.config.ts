import { keywayVitestConfig } from '../../vitest.shared.ts';

export default keywayVitestConfig({
  // main.ts, migrate.ts and admin.ts run only in the child processes of process.test.ts and
  // admin.test.ts, which v8 coverage of this process does not see; the test kit (testing.ts,
  // testing/) is the tests' own code.
  coverageExclude: [
    'src/main.ts',
    'src/migrate.ts',
    'src/admin.ts',
    'src/testing.ts',
    'src/testing/**',
    'src/scale-out/**',
  ],
  // Just below what the SQLite-only run reaches (a machine without PostgreSQL and Redis,
  // where the scale-out suites skip and the Redis store goes unexercised); CI runs them too.
  thresholds: { lines: 86, functions: 77, branches: 81, statements: 84 },
});
