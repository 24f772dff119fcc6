/**
 * `RATE_LIMIT_PREFIX`: deployments (or test runs) that share one Redis keep their counts
 * apart, while the instances of one deployment share theirs.
 */
import { redisTestUrl, shouldTestRedis } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { mutation, startTestServer, type TestServer, testJwtSecret, unique } from '../testing.js';

describe('RATE_LIMIT_PREFIX', () => {
  it('defaults to keyway and refuses characters that do not belong in a Redis key', () => {
    const env = { JWT_SECRET: testJwtSecret, DATABASE_URL: 'sqlite::memory:' };
    expect(loadConfig(env).rateLimitPrefix).toBe('keyway');
    expect(loadConfig({ ...env, RATE_LIMIT_PREFIX: 'staging.eu-1' }).rateLimitPrefix).toBe('staging.eu-1');
    for (const bad of ['two words', 'x'.repeat(65), 'new\nline']) {
      expect(() => loadConfig({ ...env, RATE_LIMIT_PREFIX: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...env, RATE_LIMIT_PREFIX: bad })).toThrow(/^RATE_LIMIT_PREFIX /);
    }
  });
});

describe.skipIf(!(await shouldTestRedis()))('two deployments sharing one Redis', () => {
  let staging: TestServer;
  let production: TestServer;

  beforeAll(async () => {
    const env = (prefix: string) => ({
      RATE_LIMIT_STORE: redisTestUrl,
      RATE_LIMIT_PREFIX: unique(prefix),
      RATE_LIMIT_LOGIN_ACCOUNT: '5/15m',
    });
    staging = await startTestServer({ env: env('staging') });
    production = await startTestServer({ mailbox: staging.mailbox, env: env('production') });
  });

  afterAll(async () => {
    await production?.stop();
    await staging?.stop();
  });

  it('counts failed logins of one deployment only against that deployment', async () => {
    const email = `${unique('apart')}@example.com`;
    const failedLogin = (instance: TestServer) =>
      mutation(instance.url, 'auth.login', { email, password: 'Not-The-Password-1' });
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await failedLogin(staging)).status).toBe(401);
    expect((await failedLogin(staging)).status).toBe(429);
    expect((await failedLogin(production)).status).toBe(401);
  });
});
