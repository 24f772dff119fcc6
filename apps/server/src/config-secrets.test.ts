/**
 * The secrets `loadConfig` keeps in the data folder outside production: the development JWT
 * secret and DATA_ENCRYPTION_KEY, generated once, readable by their owner only, and neither
 * generated nor read when set. Every refusal is a ConfigError naming its variable. The rest
 * of the configuration: config.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { configWithTestDataFolder } from './testing/config.js';

const { secret, dataKey, dataDirectory, load, refusal } = configWithTestDataFolder();

describe('loadConfig', () => {
  describe('the development JWT secret', () => {
    it('is generated once into the data folder and reused', () => {
      const first = loadConfig({}, { dataDirectory }).jwtSecret;
      expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
      const file = join(dataDirectory, 'jwt-secret');
      expect(readFileSync(file, 'utf8').trim()).toBe(first);
      // Only its owner may read it.
      expect(statSync(file).mode & 0o077).toBe(0);
      expect(loadConfig({ NODE_ENV: 'test' }, { dataDirectory }).jwtSecret).toBe(first);
      // Another data folder, another secret.
      const elsewhere = mkdtempSync(join(tmpdir(), 'keyway-config-'));
      try {
        expect(loadConfig({}, { dataDirectory: elsewhere }).jwtSecret).not.toBe(first);
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });

    it('creates the data folder when it is missing', () => {
      const nested = join(dataDirectory, 'a', 'b');
      expect(loadConfig({}, { dataDirectory: nested }).jwtSecret).toBe(
        readFileSync(join(nested, 'jwt-secret'), 'utf8').trim(),
      );
    });

    it('is neither generated nor read when JWT_SECRET is set, nor in production', () => {
      expect(loadConfig({ JWT_SECRET: secret }, { dataDirectory }).jwtSecret).toBe(secret);
      expect(() => readFileSync(join(dataDirectory, 'jwt-secret'))).toThrow();
      writeFileSync(join(dataDirectory, 'jwt-secret'), 'x'.repeat(48));
      expect(() => loadConfig({ NODE_ENV: 'production' }, { dataDirectory })).toThrow(ConfigError);
    });

    it('is a configuration error when the data folder cannot be used', () => {
      const blocker = join(dataDirectory, 'file');
      writeFileSync(blocker, '');
      const error = (() => {
        try {
          loadConfig({}, { dataDirectory: join(blocker, 'data') });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('JWT_SECRET');
    });
  });

  describe('DATA_ENCRYPTION_KEY', () => {
    it('is required in production, named in one line that does not echo a bad value', () => {
      const production = { NODE_ENV: 'production', JWT_SECRET: secret };
      expect(refusal(production).message).toMatch(/^DATA_ENCRYPTION_KEY is required in production/);
      expect(refusal({ ...production, DATA_ENCRYPTION_KEY: '' }).variable).toBe('DATA_ENCRYPTION_KEY');
      const malformed = refusal({ ...production, DATA_ENCRYPTION_KEY: 'hunter2-hunter2' });
      expect(malformed.message).toBe('DATA_ENCRYPTION_KEY must be 32 bytes written as base64 or base64url');
      expect(load({ ...production, DATA_ENCRYPTION_KEY: dataKey }).dataEncryptionKey).toEqual(Buffer.alloc(32, 7));
      // base64url without padding works too.
      const urlSafe = Buffer.alloc(32, 0xfb);
      expect(load({ ...production, DATA_ENCRYPTION_KEY: urlSafe.toString('base64url') }).dataEncryptionKey).toEqual(
        urlSafe,
      );
    });

    it('is generated once into the data folder in development, readable by its owner only', () => {
      const first = load().dataEncryptionKey;
      expect(first).toHaveLength(32);
      const file = join(dataDirectory, 'data-encryption-key');
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')).toEqual(first);
      expect(statSync(file).mode & 0o077).toBe(0);
      expect(load().dataEncryptionKey).toEqual(first);
      // Not the JWT secret: a signing key rotates, this one must not.
      expect(loadConfig({}, { dataDirectory }).dataEncryptionKey.toString('base64url')).not.toBe(
        readFileSync(join(dataDirectory, 'jwt-secret'), 'utf8').trim(),
      );
    });

    it('is neither generated nor read when set', () => {
      expect(load({ DATA_ENCRYPTION_KEY: dataKey }).dataEncryptionKey).toEqual(Buffer.alloc(32, 7));
      expect(() => readFileSync(join(dataDirectory, 'data-encryption-key'))).toThrow();
      // A broken file in the data folder is reported like a broken variable.
      writeFileSync(join(dataDirectory, 'data-encryption-key'), 'short');
      expect(refusal({}).variable).toBe('DATA_ENCRYPTION_KEY');
    });
  });
});
