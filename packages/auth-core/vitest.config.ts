import { keywayVitestConfig } from '../../vitest.shared.ts';

export default keywayVitestConfig({
  // The test harness is measured by the suites that use it, not counted as product code.
  coverageExclude: ['src/migrations/**', 'src/testing/**'],
  // Just below what the suites reach without PostgreSQL and Redis (they add a little more); raise them as tests grow.
  thresholds: { lines: 94, functions: 86, branches: 92, statements: 93 },
});
