import { keywayVitestConfig } from '../../vitest.shared.ts';

export default keywayVitestConfig({
  thresholds: { lines: 90, functions: 90, branches: 85, statements: 90 },
});
