import { keywayVitestConfig } from '../../vitest.shared.ts';

// Unit tests only; the browser tests have their own config (vitest.e2e.config.ts).
export default keywayVitestConfig({ coverageInclude: ['src/lib/**/*.ts'] });
