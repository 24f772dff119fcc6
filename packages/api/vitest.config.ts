import { keywayVitestConfig } from '../../vitest.shared.ts';

export default keywayVitestConfig({
  coverageExclude: ['src/testing.ts'],
  // Just below what the suites reach without PostgreSQL and Redis (they add a little more); raise them as tests grow.
  thresholds: { lines: 95, functions: 95, branches: 82, statements: 95 },
});
