/**
 * Rate limits, counted by rate-limiter-flexible in memory (one instance) or in Redis
 * (shared by every instance). With Redis, each limiter carries an in-memory insurance
 * limiter: while Redis is unreachable, counts fall back to this instance and requests
 * neither hang nor fail; when Redis answers again, it is used again.
 */
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { type RateLimitBucket, rateLimitBuckets, rateLimitPolicy } from './rate-limit-policy.js';

export type { RateLimitBucket };

export interface RateLimitRule {
  max: number;
  windowSeconds: number;
}

export type RateLimitRules = Record<RateLimitBucket, RateLimitRule>;

export const defaultRateLimitRules = Object.fromEntries(
  rateLimitBuckets.map((bucket) => [bucket, rateLimitPolicy[bucket].default]),
) as RateLimitRules;

export class RateLimitExceededError extends Error {
  override readonly name = 'RateLimitExceededError';
  constructor(
    readonly retryAfterSeconds: number,
    /** The rule that refused (a bucket name), for metrics. */
    readonly rule: string,
  ) {
    super(`Too many requests; try again in ${retryAfterSeconds} seconds`);
  }
}

export type RateLimitStore = { kind: 'memory' } | { kind: 'redis'; client: Redis };

export interface RateLimiter {
  /** Counts one hit; throws RateLimitExceededError when the bucket is over its limit. */
  consume(bucket: RateLimitBucket, key: string): Promise<void>;
  /** Gives back one hit counted by `consume` (an attempt that turned out not to count). */
  refund(bucket: RateLimitBucket, key: string): Promise<void>;
  reset(bucket: RateLimitBucket, key: string): Promise<void>;
}

const retryAfter = (msBeforeNext: number) => Math.max(1, Math.ceil(msBeforeNext / 1000));

export interface RateLimiterOptions {
  rules: RateLimitRules;
  store: RateLimitStore;
  /**
   * First part of every key (`<prefix>:login:ip:<ip>`), so deployments or test runs sharing
   * one Redis keep their counts apart. Every instance of one deployment must use the same.
   */
  keyPrefix?: string;
}

/**
 * One counter of `rule` in the store, its keys starting with `keyPrefix`; with Redis, beside
 * an in-memory insurance limiter (see above). The mail throttle's counters are made here too.
 */
export function createRuleLimiter(store: RateLimitStore, rule: RateLimitRule, keyPrefix: string): RateLimiterAbstract {
  const base = { points: rule.max, duration: rule.windowSeconds, keyPrefix };
  return store.kind === 'memory'
    ? new RateLimiterMemory(base)
    : new RateLimiterRedis({
        ...base,
        storeClient: store.client,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(base),
      });
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { rules, store, keyPrefix = 'keyway' } = options;
  const limiters = {} as Record<RateLimitBucket, RateLimiterAbstract>;
  for (const bucket of Object.keys(rules) as RateLimitBucket[]) {
    limiters[bucket] = createRuleLimiter(store, rules[bucket], `${keyPrefix}:${rateLimitPolicy[bucket].keyPrefix}`);
  }

  const rethrow = (bucket: RateLimitBucket, error: unknown): never => {
    if (error instanceof RateLimiterRes) throw new RateLimitExceededError(retryAfter(error.msBeforeNext), bucket);
    throw error;
  };

  return {
    async consume(bucket, key) {
      try {
        await limiters[bucket].consume(key);
      } catch (error) {
        rethrow(bucket, error);
      }
    },
    async refund(bucket, key) {
      await limiters[bucket].reward(key);
    },
    async reset(bucket, key) {
      await limiters[bucket].delete(key);
    },
  };
}
