import { randomUUID } from 'node:crypto';
import { shouldTestRedis } from '@keyway/auth-core/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  defaultRateLimitRules,
  RateLimitExceededError,
  type RateLimiter,
  type RateLimitRules,
} from './rate-limit.js';
import { redisClients } from './testing.js';

const rules: RateLimitRules = {
  ...defaultRateLimitRules,
  loginAccount: { max: 2, windowSeconds: 900 },
  loginIp: { max: 3, windowSeconds: 60 },
};

async function refusal(call: Promise<void>): Promise<RateLimitExceededError> {
  const error = await call.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!(error instanceof RateLimitExceededError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

/** The behaviour every store must have. Keys are random, so runs sharing one Redis never meet. */
function limiterContract(makeLimiter: () => RateLimiter) {
  it('allows `max` hits per key, then refuses with the seconds until the window frees up', async () => {
    const limiter = makeLimiter();
    const ip = randomUUID();
    for (let hit = 0; hit < 3; hit++) await limiter.consume('loginIp', ip);
    const error = await refusal(limiter.consume('loginIp', ip));
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(error.message).toBe(`Too many requests; try again in ${error.retryAfterSeconds} seconds`);
  });

  it('counts each key and each bucket on its own', async () => {
    const limiter = makeLimiter();
    const [first, second] = [randomUUID(), randomUUID()];
    for (let hit = 0; hit < 3; hit++) await limiter.consume('loginIp', first);
    await expect(limiter.consume('loginIp', second)).resolves.toBeUndefined();
    await expect(limiter.consume('registerIp', first)).resolves.toBeUndefined();
  });

  it('gives back a refunded hit', async () => {
    const limiter = makeLimiter();
    const key = `${randomUUID()}:ada@example.com`;
    await limiter.consume('loginAccount', key);
    await limiter.consume('loginAccount', key);
    await limiter.refund('loginAccount', key);
    await limiter.consume('loginAccount', key);
    await refusal(limiter.consume('loginAccount', key));
  });

  it('forgets a key on reset', async () => {
    const limiter = makeLimiter();
    const key = `${randomUUID()}:ada@example.com`;
    await limiter.consume('loginAccount', key);
    await limiter.consume('loginAccount', key);
    await refusal(limiter.consume('loginAccount', key));
    await limiter.reset('loginAccount', key);
    await expect(limiter.consume('loginAccount', key)).resolves.toBeUndefined();
  });
}

describe('the in-memory rate limiter', () => {
  limiterContract(() => createRateLimiter({ rules, store: { kind: 'memory' } }));

  it('keeps separate counts per limiter (one instance each)', async () => {
    const ip = randomUUID();
    const one = createRateLimiter({ rules, store: { kind: 'memory' } });
    const two = createRateLimiter({ rules, store: { kind: 'memory' } });
    for (let hit = 0; hit < 3; hit++) await one.consume('loginIp', ip);
    await expect(two.consume('loginIp', ip)).resolves.toBeUndefined();
  });
});

describe.runIf(await shouldTestRedis())('the Redis rate limiter', () => {
  const { connect: client, quitAll } = redisClients();
  let shared: Redis;
  beforeAll(async () => {
    shared = await client();
  });
  afterAll(async () => {
    await quitAll();
  });

  limiterContract(() => createRateLimiter({ rules, store: { kind: 'redis', client: shared } }));

  it('shares counts between instances, each with its own connection', async () => {
    const ip = randomUUID();
    const one = createRateLimiter({ rules, store: { kind: 'redis', client: await client() } });
    const two = createRateLimiter({ rules, store: { kind: 'redis', client: await client() } });
    await one.consume('loginIp', ip);
    await two.consume('loginIp', ip);
    await one.consume('loginIp', ip);
    await refusal(two.consume('loginIp', ip));

    const key = `${ip}:ada@example.com`;
    await one.consume('loginAccount', key);
    await two.consume('loginAccount', key);
    await refusal(one.consume('loginAccount', key));
    await two.reset('loginAccount', key);
    await expect(one.consume('loginAccount', key)).resolves.toBeUndefined();
  });
});
