/**
 * `JWT_ALGORITHM`, `JWT_PRIVATE_KEY` and `JWT_RETIRED_PUBLIC_KEYS` as `loadConfig` reads them:
 * HS256 by default, the development key generated once into the data folder, the key
 * required in production with ES256, and every unusable value refused naming its variable.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPem, publicJwk, publicKeyPem, readPrivateSigningKey } from '@keyway/auth-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
const production = {
  NODE_ENV: 'production',
  JWT_SECRET: secret,
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};
let dataDirectory: string;

beforeEach(() => {
  dataDirectory = mkdtempSync(join(tmpdir(), 'keyway-signing-'));
});
afterEach(() => rmSync(dataDirectory, { recursive: true, force: true }));

const load = (env: Record<string, string | undefined>) => loadConfig({ JWT_SECRET: secret, ...env }, { dataDirectory });
const kidOf = (config: ReturnType<typeof load>) => (config.jwtPrivateKey ? publicJwk(config.jwtPrivateKey).kid : null);

/** The ConfigError `load(env)` throws, or undefined when it loads. */
function refusal(env: Record<string, string | undefined>): ConfigError | undefined {
  try {
    load(env);
    return undefined;
  } catch (error) {
    return error instanceof ConfigError ? error : undefined;
  }
}

describe('token signing configuration', () => {
  it('is HS256 by default, with no key generated', () => {
    expect(load({})).toMatchObject({ jwtAlgorithm: 'HS256', jwtPrivateKey: null, jwtRetiredPublicKeys: [] });
    expect(() => statSync(join(dataDirectory, 'jwt-private-key.pem'))).toThrow();
    expect(load({ ...production, JWT_ALGORITHM: 'HS256' }).jwtAlgorithm).toBe('HS256');
  });

  it('refuses another algorithm, naming JWT_ALGORITHM', () => {
    for (const value of ['RS256', 'es256', 'none', 'HS512']) {
      expect(refusal({ JWT_ALGORITHM: value })?.variable).toBe('JWT_ALGORITHM');
    }
  });

  it('with ES256 in development, generates the key once into the data folder and keeps it', () => {
    const first = load({ JWT_ALGORITHM: 'ES256' });
    const file = join(dataDirectory, 'jwt-private-key.pem');
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(kidOf(load({ JWT_ALGORITHM: 'ES256' }))).toBe(kidOf(first));
    expect(kidOf(first)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('with ES256 in production, requires JWT_PRIVATE_KEY and never generates one', () => {
    const error = refusal({ ...production, JWT_ALGORITHM: 'ES256' });
    expect(error?.variable).toBe('JWT_PRIVATE_KEY');
    expect(error?.message).toMatch(/^JWT_PRIVATE_KEY is required in production/);
    expect(() => statSync(join(dataDirectory, 'jwt-private-key.pem'))).toThrow();
    const pem = generateSigningKeyPem();
    const config = load({ ...production, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem });
    expect(kidOf(config)).toBe(publicJwk(readPrivateSigningKey(pem)).kid);
    // The shared secret stays required in production whatever the algorithm.
    expect(refusal({ ...production, JWT_SECRET: '', JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem })?.variable).toBe(
      'JWT_SECRET',
    );
  });

  it('refuses an unusable private key naming JWT_PRIVATE_KEY, on one line', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    for (const value of ['nonsense', rsa.toString(), publicKeyPem(readPrivateSigningKey(generateSigningKeyPem()))]) {
      const error = refusal({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: value });
      expect(error?.variable).toBe('JWT_PRIVATE_KEY');
      expect(error?.message).not.toMatch(/[\r\n]|PRIVATE KEY-----\w/);
    }
  });

  it('reads retired public keys, and refuses unusable ones naming JWT_RETIRED_PUBLIC_KEYS', () => {
    const retiredA = publicKeyPem(readPrivateSigningKey(generateSigningKeyPem()));
    const retiredB = publicKeyPem(readPrivateSigningKey(generateSigningKeyPem()));
    const config = load({ JWT_ALGORITHM: 'ES256', JWT_RETIRED_PUBLIC_KEYS: `${retiredA}${retiredB}` });
    expect(config.jwtRetiredPublicKeys).toHaveLength(2);
    expect(refusal({ JWT_ALGORITHM: 'ES256', JWT_RETIRED_PUBLIC_KEYS: `${retiredA}x` })?.variable).toBe(
      'JWT_RETIRED_PUBLIC_KEYS',
    );
    expect(refusal({ JWT_ALGORITHM: 'ES256', JWT_RETIRED_PUBLIC_KEYS: 'garbage' })?.variable).toBe(
      'JWT_RETIRED_PUBLIC_KEYS',
    );
  });
});
