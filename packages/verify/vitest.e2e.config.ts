import { keywayVitestConfig } from '../../vitest.shared.ts';

// The outside-install test: builds and packs the package, installs the tarball with npm into a
// temporary project, and typechecks and runs it there against a real server.
export default keywayVitestConfig({
  include: ['e2e/**/*.e2e.test.ts'],
  fileParallelism: false,
  timeoutMs: 300_000,
  reportName: 'vitest-e2e',
});
