/**
 * The per-address mail limit (`MAIL_ACCOUNT_LIMIT`), counted by rate-limiter-flexible in the
 * rate limits' store: memory, or Redis with an in-memory insurance limiter, so a Redis
 * outage loosens the limit to per-instance counts instead of failing the request.
 */
import type { MailThrottle } from '@keyway/auth-core';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitRule, RateLimitStore } from './rate-limit.js';

export const defaultMailAccountRule: RateLimitRule = { max: 3, windowSeconds: 3600 };

export function createMailThrottle(options: {
  rule: RateLimitRule;
  store: RateLimitStore;
  keyPrefix?: string;
}): MailThrottle {
  const { rule, store, keyPrefix = 'keyway' } = options;
  const base = { points: rule.max, duration: rule.windowSeconds, keyPrefix: `${keyPrefix}:mail:acct` };
  const limiter =
    store.kind === 'memory'
      ? new RateLimiterMemory(base)
      : new RateLimiterRedis({
          ...base,
          storeClient: store.client,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(base),
        });
  return {
    async allow(address) {
      try {
        await limiter.consume(address.trim().toLowerCase());
        return true;
      } catch (error) {
        if (error instanceof RateLimiterRes) return false;
        throw error;
      }
    },
  };
}
