/**
 * Per-account backoff shared through Redis: failures counted by two instances add up, a
 * delay started through one is enforced by the other, and a parallel burst spread over both
 * cannot check more passwords than the threshold allows.
 */
import { createManualClock } from '@keyway/auth-core';
import { redisTestUrl, shouldTestRedis, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, password, startTwoInstances, type TestServer, type TwoInstances, unique } from '../testing.js';

const ready = (await shouldTestRedis()) && (await testDialects()).includes('postgresql');

describe.skipIf(!ready)('per-account backoff across two instances sharing Redis', () => {
  const clock = createManualClock(new Date());
  let pair: TwoInstances;
  let first: TestServer;
  let second: TestServer;
  const either = (n: number) => pair.either(n);

  beforeAll(async () => {
    pair = await startTwoInstances({ clock, env: { RATE_LIMIT_STORE: redisTestUrl, LOGIN_BACKOFF_AFTER: '10' } });
    ({ first, second } = pair);
  });

  afterAll(async () => {
    await pair?.stop();
  });

  async function register() {
    const email = `${unique('shared')}@example.com`;
    expect((await first.mutation('users.register', { email, password })).status).toBe(200);
    return email;
  }

  it('adds up failures counted by both instances and enforces the delay on both', async () => {
    const email = await register();
    for (let i = 0; i < 10; i += 1) {
      expect((await either(i).mutation('auth.login', { email, password: 'Wrong-Password-1' })).status).toBe(401);
    }
    for (const instance of [first, second]) {
      const refused = await instance.mutation('auth.login', { email, password });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
    }
    clock.advance(1000);
    expect((await second.mutation('auth.login', { email, password: 'Wrong-Password-1' })).status).toBe(401);
    const doubled = await first.mutation('auth.login', { email, password });
    expect(doubled.status).toBe(429);
    expect(errorOf(doubled).data.retryAfter).toBe(2);
    clock.advance(2000);
    expect((await first.mutation('auth.login', { email, password })).status).toBe(200);
    // Ended for both instances.
    expect((await second.mutation('auth.login', { email, password: 'Wrong-Password-1' })).status).toBe(401);
    expect((await second.mutation('auth.login', { email, password })).status).toBe(200);
  });

  it('lets a parallel burst over both instances check at most the threshold of passwords', async () => {
    const email = `${unique('burst')}@example.com`;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        either(i).mutation('auth.login', { email, password: 'Wrong-Password-1' }, { timeoutMs: 60_000 }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(30);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  });
});
