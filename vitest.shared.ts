/**
 * What every package's vitest config shares: tests run on source (the `@keyway/source`
 * export condition, so no build is needed), a JSON report that feeds the totals line of
 * .ci/run, and v8 coverage with per-package thresholds.
 */
import { defineConfig } from 'vitest/config';

type Thresholds = { lines: number; functions: number; branches: number; statements: number };

export function keywayVitestConfig(options: {
  include?: string[];
  coverageInclude?: string[];
  /** Besides the tests themselves. */
  coverageExclude?: string[];
  thresholds?: Thresholds;
  timeoutMs?: number;
  reportName?: string;
  fileParallelism?: boolean;
}) {
  return defineConfig({
    resolve: { conditions: ['@keyway/source'] },
    ssr: { resolve: { conditions: ['@keyway/source'] } },
    test: {
      include: options.include ?? ['src/**/*.test.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: `test-results/${options.reportName ?? 'vitest'}.json` },
      testTimeout: options.timeoutMs ?? 30_000,
      hookTimeout: options.timeoutMs ?? 30_000,
      fileParallelism: options.fileParallelism,
      coverage: {
        provider: 'v8',
        include: options.coverageInclude ?? ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', ...(options.coverageExclude ?? [])],
        reporter: ['text-summary', 'json-summary'],
        thresholds: options.thresholds,
      },
    },
  });
}
