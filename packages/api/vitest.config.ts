import { keywayVitestConfig } from '../../vitest.shared.ts';

export default keywayVitestConfig({
  coverageExclude: ['src/testing.ts'],
  // Just below what the suites reach without PostgreSQL and Redis (they add a little more); raise them as tests grow.
  // Statements: 94.6% with the session-cookie transport, the mail throttle and the backoff
  // store's Redis paths exercised mostly by the server's HTTP tests, which this report does not see.
  thresholds: { lines: 95, functions: 95, branches: 82, statements: 93 },
});
