import { keywayVitestConfig } from '../../vitest.shared.ts';

export default keywayVitestConfig({
  coverageExclude: ['src/testing/**'],
  thresholds: { lines: 85, functions: 85, branches: 75, statements: 85 },
});
