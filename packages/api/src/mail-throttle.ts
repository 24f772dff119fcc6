/**
 * The mail limits (`MAIL_ACCOUNT_LIMIT`, the same size for each count of auth-core's
 * mail-throttle.ts), counted by rate-limiter-flexible in the rate limits' store: memory, or
 * Redis with an in-memory insurance limiter, so a Redis outage loosens the limit to
 * per-instance counts instead of failing the request.
 */
import type { MailThrottle } from '@keyway/auth-core';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { createRuleLimiter, type RateLimitRule, type RateLimitStore } from './rate-limit.js';

export const defaultMailAccountRule: RateLimitRule = { max: 3, windowSeconds: 3600 };

export function createMailThrottle(options: {
  rule: RateLimitRule;
  store: RateLimitStore;
  keyPrefix?: string;
}): MailThrottle {
  const { rule, store, keyPrefix = 'keyway' } = options;
  const limiter = createRuleLimiter(store, rule, `${keyPrefix}:mail:acct`);
  return {
    async allow(key, count = 'address') {
      // An address's own count keeps its key as it always was; the others are prefixed.
      const normalized = key.trim().toLowerCase();
      try {
        await limiter.consume(count === 'address' ? normalized : `${count}:${normalized}`);
        return true;
      } catch (error) {
        if (error instanceof RateLimiterRes) return false;
        throw error;
      }
    },
  };
}
