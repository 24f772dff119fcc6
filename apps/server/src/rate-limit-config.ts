/**
 * The rate-limit settings: where the counts live (`RATE_LIMIT_STORE`, `RATE_LIMIT_PREFIX`),
 * each bucket's rule (its variable and default from the api's policy record), the mail limit
 * per address (`MAIL_ACCOUNT_LIMIT`) and the per-account login backoff (`LOGIN_BACKOFF_AFTER`,
 * `LOGIN_BACKOFF_MAX`).
 */
import {
  defaultMailAccountRule,
  type RateLimitRule,
  type RateLimitRules,
  rateLimitBuckets,
  rateLimitPolicy,
} from '@keyway/api';
import { type AccountBackoffRule, parseDurationSeconds } from '@keyway/auth-core';
import { ConfigError } from './config-error.js';
import { type Env, readDuration, readInteger } from './env-readers.js';

export interface RateLimitConfig {
  rateLimitStore: string;
  /** First part of every rate-limit key; one value per deployment sharing a Redis. */
  rateLimitPrefix: string;
  rateLimitRules: RateLimitRules;
  /** Mail per address for the repeatable flows (`MAIL_ACCOUNT_LIMIT`). */
  mailAccountLimit: RateLimitRule;
  /** Per-account backoff across IPs (`LOGIN_BACKOFF_AFTER`, `LOGIN_BACKOFF_MAX`). */
  loginBackoff: AccountBackoffRule;
}

function readRule(env: Env, name: string, fallback: RateLimitRule): RateLimitRule {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\/(.+)$/.exec(raw.trim());
  const max = Number(match?.[1]);
  const windowSeconds = match?.[2] ? parseDurationSeconds(match[2]) : null;
  if (!match || !Number.isSafeInteger(max) || max < 1 || windowSeconds === null) {
    throw new ConfigError(name, `must be <max>/<window>, e.g. 5/15m, got "${raw}"`);
  }
  return { max, windowSeconds };
}

export function readRateLimitConfig(env: Env): RateLimitConfig {
  const rateLimitStore = env.RATE_LIMIT_STORE || 'memory';
  if (rateLimitStore !== 'memory' && !/^rediss?:\/\/[^/]+/.test(rateLimitStore)) {
    throw new ConfigError('RATE_LIMIT_STORE', `must be memory or a redis:// URL, got "${rateLimitStore}"`);
  }
  const rateLimitPrefix = env.RATE_LIMIT_PREFIX || 'keyway';
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(rateLimitPrefix)) {
    throw new ConfigError('RATE_LIMIT_PREFIX', `must be 1-64 letters, digits or . _ : -, got "${rateLimitPrefix}"`);
  }
  const rateLimitRules = Object.fromEntries(
    rateLimitBuckets.map((bucket) => [
      bucket,
      readRule(env, rateLimitPolicy[bucket].env, rateLimitPolicy[bucket].default),
    ]),
  ) as RateLimitRules;

  const loginBackoff = {
    after: readInteger(env, 'LOGIN_BACKOFF_AFTER', 10, 1, 1000),
    maxSeconds: readDuration(env, 'LOGIN_BACKOFF_MAX', '15m'),
  };
  if (loginBackoff.maxSeconds < 1) throw new ConfigError('LOGIN_BACKOFF_MAX', 'must be at least 1s');

  return {
    rateLimitStore,
    rateLimitPrefix,
    rateLimitRules,
    loginBackoff,
    mailAccountLimit: readRule(env, 'MAIL_ACCOUNT_LIMIT', defaultMailAccountRule),
  };
}
