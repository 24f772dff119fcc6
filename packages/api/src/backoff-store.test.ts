/**
 * The stores of per-account backoff and per-address mail: the same behaviour in memory and
 * in Redis (shared by two connections, as two instances), and Redis outages falling back to
 * this instance's memory. Keys are random, so runs sharing one Redis never meet.
 */
import { randomUUID } from 'node:crypto';
import type { BackoffCounter } from '@keyway/auth-core';
import { redisTestUrl, shouldTestRedis } from '@keyway/auth-core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackoffCounter } from './backoff-store.js';
import { createMailThrottle } from './mail-throttle.js';
import type { RateLimitStore } from './rate-limit.js';
import { redisClients } from './testing.js';

const rule = { after: 2, maxSeconds: 4 };
const t0 = 1_800_000_000_000;

function counterContract(makeCounter: () => BackoffCounter) {
  it('refuses after `after` failures, for a delay that doubles up to the cap', async () => {
    const counter = makeCounter();
    const key = randomUUID();
    for (let i = 0; i < 2; i += 1) {
      expect(await counter.begin(key, t0)).toEqual({ allowed: true });
      await counter.fail(key, t0);
    }
    expect(await counter.begin(key, t0 + 500)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(await counter.begin(key, t0 + 1000)).toEqual({ allowed: true });
    await counter.fail(key, t0 + 1000);
    expect(await counter.begin(key, t0 + 1000)).toEqual({ allowed: false, retryAfterMs: 2000 });
    for (const at of [t0 + 3000, t0 + 7000]) {
      expect(await counter.begin(key, at)).toEqual({ allowed: true });
      await counter.fail(key, at);
    }
    // Capped at 4 s.
    expect(await counter.begin(key, t0 + 7000)).toEqual({ allowed: false, retryAfterMs: 4000 });
    await counter.clear(key);
    expect(await counter.begin(key, t0 + 7000)).toEqual({ allowed: true });
  });

  it('lets one attempt at a time through at the threshold, and a released one does not count', async () => {
    const counter = makeCounter();
    const key = randomUUID();
    await counter.begin(key, t0);
    await counter.fail(key, t0);
    expect(await counter.begin(key, t0)).toEqual({ allowed: true });
    expect(await counter.begin(key, t0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    await counter.release(key, t0);
    expect(await counter.begin(key, t0)).toEqual({ allowed: true });
    await counter.release(key, t0);
    // A reservation never settled (its instance died) stops counting after a minute.
    await counter.begin(key, t0);
    expect(await counter.begin(key, t0 + 61_000)).toEqual({ allowed: true });
    // Releasing an unknown key is harmless.
    await counter.release(randomUUID(), t0);
  });
}

describe('the in-memory backoff counter', () => {
  counterContract(() => createBackoffCounter({ rule, store: { kind: 'memory' } }));
});

describe('the in-memory mail throttle', () => {
  it('allows `max` messages per address in the window, counting the address case-insensitively', async () => {
    const throttle = createMailThrottle({ rule: { max: 2, windowSeconds: 3600 }, store: { kind: 'memory' } });
    const address = `${randomUUID()}@example.com`;
    expect(await throttle.allow(address)).toBe(true);
    expect(await throttle.allow(address.toUpperCase())).toBe(true);
    expect(await throttle.allow(` ${address}`)).toBe(false);
    expect(await throttle.allow(`other-${address}`)).toBe(true);
  });

  it("keeps each count apart: email-change links never use up an address's own mail", async () => {
    const throttle = createMailThrottle({ rule: { max: 1, windowSeconds: 3600 }, store: { kind: 'memory' } });
    const address = `${randomUUID()}@example.com`;
    expect(await throttle.allow(address, 'change-address')).toBe(true);
    expect(await throttle.allow(address, 'change-address')).toBe(false);
    expect(await throttle.allow(address, 'change-account')).toBe(true);
    expect(await throttle.allow(address)).toBe(true);
    expect(await throttle.allow(address, 'address')).toBe(false);
  });
});

describe.runIf(await shouldTestRedis())('the Redis backoff counter and mail throttle', () => {
  const { connect: client, quitAll } = redisClients();
  let shared: Redis;
  const prefix = `keyway-test-${randomUUID()}`;
  beforeAll(async () => {
    shared = await client();
  });
  afterAll(async () => {
    await quitAll();
  });

  const redisStore = (redis: Redis): RateLimitStore => ({ kind: 'redis', client: redis });
  counterContract(() => createBackoffCounter({ rule, store: redisStore(shared), keyPrefix: prefix }));

  it('shares counts between instances, each with its own connection', async () => {
    const one = createBackoffCounter({ rule, store: redisStore(await client()), keyPrefix: prefix });
    const two = createBackoffCounter({ rule, store: redisStore(await client()), keyPrefix: prefix });
    const key = randomUUID();
    await one.begin(key, t0);
    await one.fail(key, t0);
    await two.begin(key, t0);
    await two.fail(key, t0);
    expect(await one.begin(key, t0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    await two.clear(key);
    expect(await one.begin(key, t0)).toEqual({ allowed: true });

    const mailOne = createMailThrottle({
      rule: { max: 1, windowSeconds: 60 },
      store: redisStore(await client()),
      keyPrefix: prefix,
    });
    const mailTwo = createMailThrottle({
      rule: { max: 1, windowSeconds: 60 },
      store: redisStore(await client()),
      keyPrefix: prefix,
    });
    expect(await mailOne.allow(key)).toBe(true);
    expect(await mailTwo.allow(key)).toBe(false);
  });

  it('falls back to this instance’s memory while Redis is unreachable', async () => {
    const gone = new Redis(redisTestUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    const counter = createBackoffCounter({ rule, store: redisStore(gone), keyPrefix: prefix });
    const key = randomUUID();
    for (let i = 0; i < 2; i += 1) {
      expect(await counter.begin(key, t0)).toEqual({ allowed: true });
      await counter.fail(key, t0);
    }
    expect(await counter.begin(key, t0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    await counter.release(key, t0);
    await counter.clear(key);
    expect(await counter.begin(key, t0)).toEqual({ allowed: true });
    const throttle = createMailThrottle({
      rule: { max: 1, windowSeconds: 60 },
      store: redisStore(gone),
      keyPrefix: prefix,
    });
    expect(await throttle.allow(key)).toBe(true);
    expect(await throttle.allow(key)).toBe(false);
  });

  it('falls back to memory when a Redis command fails on a ready connection', async () => {
    const broken = await client();
    const counter = createBackoffCounter({ rule, store: redisStore(broken), keyPrefix: prefix });
    // A command Redis refuses: eval is renamed away for this connection's view only.
    broken.eval = (async () => {
      throw new Error('NOSCRIPT simulated');
    }) as unknown as Redis['eval'];
    broken.del = (async () => {
      throw new Error('simulated');
    }) as unknown as Redis['del'];
    const key = randomUUID();
    expect(await counter.begin(key, t0)).toEqual({ allowed: true });
    await counter.fail(key, t0);
    await counter.release(key, t0);
    await counter.clear(key);
  });
});
