/**
 * Reading the server's configuration in a test (config*.test.ts): a data folder, where the
 * development secrets are generated, that is empty at the start of each test and removed
 * after it, and `load` with a valid JWT secret unless the test sets one. Kept out of
 * testing.ts (the kit other packages import) because it registers vitest hooks.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

/** Call at the top of a test file: its tests then read the configuration with what this returns. */
export function configWithTestDataFolder() {
  const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
  const dataKey = Buffer.alloc(32, 7).toString('base64');
  const dataDirectory = join(tmpdir(), `keyway-config-${randomUUID()}`);
  beforeEach(() => {
    mkdirSync(dataDirectory, { mode: 0o700 });
  });
  afterEach(() => rmSync(dataDirectory, { recursive: true, force: true }));

  const load = (env: Record<string, string | undefined> = {}) =>
    loadConfig({ JWT_SECRET: secret, ...env }, { dataDirectory });

  /** The ConfigError `load(env)` throws (fails the test when it does not throw one). */
  function refusal(env: Record<string, string | undefined>): ConfigError {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error(`Expected a ConfigError for ${JSON.stringify(env)}`);
  }

  return { secret, dataKey, dataDirectory, load, refusal };
}
