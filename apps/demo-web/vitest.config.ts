import { defineConfig } from 'vitest/config';

// Unit tests only; the browser tests have their own config (vitest.e2e.config.ts).
export default defineConfig({
  resolve: { conditions: ['@keyway/source'] },
  ssr: { resolve: { conditions: ['@keyway/source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    coverage: {
      provider: 'v8',
      include: ['src/lib/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
