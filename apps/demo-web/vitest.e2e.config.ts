import { keywayVitestConfig } from '../../vitest.shared.ts';

// Browser tests: a real API (startTestServer), the built demo under `vite preview`, headless Chromium.
export default keywayVitestConfig({
  include: ['e2e/**/*.e2e.test.ts'],
  fileParallelism: false,
  timeoutMs: 120_000,
  reportName: 'vitest-e2e',
});
