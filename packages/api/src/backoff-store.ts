/**
 * The store of per-account backoff counts (the rule itself is auth-core's
 * `account-backoff.ts`): this instance's memory, or Redis shared by every instance. Each
 * Redis step is one Lua script, so concurrent attempts from several instances are settled
 * atomically. Like the rate limits, a Redis outage falls back to this instance's memory
 * (an insurance counter) instead of failing or hanging the sign-in.
 */
import {
  type AccountBackoffRule,
  type BackoffCounter,
  backoffForgetMs,
  backoffPendingStaleMs,
  createMemoryBackoffCounter,
} from '@keyway/auth-core';
import type { RateLimitStore } from './rate-limit.js';

/**
 * The steps of auth-core's `backoffSteps` over a hash {f: failures, p: pending, pa: pending
 * since, u: delay until}. ARGV: step, now (ms), after, max (ms), forget (ms), stale (ms).
 * Answers the milliseconds to wait (0: allowed).
 */
const script = `
local step = ARGV[1]
local now = tonumber(ARGV[2])
local after = tonumber(ARGV[3])
local maxMs = tonumber(ARGV[4])
local values = redis.call('HMGET', KEYS[1], 'f', 'p', 'pa', 'u')
local f = tonumber(values[1]) or 0
local p = tonumber(values[2]) or 0
local pa = tonumber(values[3]) or 0
local u = tonumber(values[4]) or 0
if p > 0 and now - pa > tonumber(ARGV[6]) then p = 0 end
if step == 'begin' then
  if now < u then return u - now end
  if p > 0 and f + p >= after then return 1000 end
  p = p + 1
  pa = now
elseif step == 'fail' then
  if p > 0 then p = p - 1 end
  f = f + 1
  if f >= after then u = now + math.min(maxMs, 1000 * 2 ^ math.min(f - after, 40)) end
else
  if values[1] == false then return 0 end
  if p > 0 then p = p - 1 end
end
redis.call('HSET', KEYS[1], 'f', f, 'p', p, 'pa', pa, 'u', u)
redis.call('PEXPIRE', KEYS[1], math.max(u, now) - now + tonumber(ARGV[5]))
return 0
`;

export interface BackoffStoreOptions {
  rule: AccountBackoffRule;
  store: RateLimitStore;
  /** The rate limits' key prefix: one deployment's instances share it. */
  keyPrefix?: string;
}

export function createBackoffCounter({ rule, store, keyPrefix = 'keyway' }: BackoffStoreOptions): BackoffCounter {
  const memory = createMemoryBackoffCounter(rule);
  if (store.kind === 'memory') return memory;
  const { client } = store;
  const keyOf = (key: string) => `${keyPrefix}:login:backoff:${key}`;
  const run = async (step: 'begin' | 'fail' | 'release', key: string, now: number): Promise<number> =>
    Number(
      await client.eval(
        script,
        1,
        keyOf(key),
        step,
        now,
        rule.after,
        rule.maxSeconds * 1000,
        backoffForgetMs,
        backoffPendingStaleMs,
      ),
    );
  /** Redis when it answers, else this instance's memory (as rate-limiter-flexible's insurance does). */
  const shared = async <T>(redisStep: () => Promise<T>, memoryStep: () => Promise<T>): Promise<T> => {
    if (client.status !== 'ready') return memoryStep();
    try {
      return await redisStep();
    } catch {
      return memoryStep();
    }
  };
  return {
    begin: (key, now) =>
      shared(
        async () => {
          const wait = await run('begin', key, now);
          return wait > 0 ? { allowed: false as const, retryAfterMs: wait } : { allowed: true as const };
        },
        () => memory.begin(key, now),
      ),
    fail: (key, now) =>
      shared(
        async () => void (await run('fail', key, now)),
        () => memory.fail(key, now),
      ),
    release: (key, now) =>
      shared(
        async () => void (await run('release', key, now)),
        () => memory.release(key, now),
      ),
    clear: async (key) => {
      await memory.clear(key);
      await shared(
        async () => void (await client.del(keyOf(key))),
        async () => undefined,
      );
    },
  };
}
