/**
 * The rate-limit policy in one record: for each bucket, the procedure rule that counts
 * against it, the key it counts by, the environment variable that sets it, its default and
 * what the README says of it. The middleware (trpc.ts), the limiter (rate-limit.ts), the
 * server's configuration and metrics, and the README's Configuration table (checked by
 * rate-limit-policy.test.ts) all read it: a new rule is one more entry here, named by its
 * procedures' `.meta({ rateLimit })`.
 */

/** How a bucket's key is built after its prefix: the client address, or address and email. */
export type RateLimitKey = 'ip' | 'ip+email';

export interface RateLimitPolicyEntry {
  /** The `.meta({ rateLimit })` value whose calls count here. */
  rule: string;
  /**
   * `failures`: counted before the call (so parallel guesses cannot all pass the check before
   * the first failure is recorded), given back unless the call fails on credentials
   * (UNAUTHORIZED), cleared by a success.
   */
  counts: 'every call' | 'failures';
  /** First part of the key after the deployment's prefix (`<prefix>:login:ip:<ip>`). */
  keyPrefix: string;
  key: RateLimitKey;
  env: string;
  default: { max: number; windowSeconds: number };
  /** The README's description of the variable. */
  description: string;
}

export const rateLimitPolicy = {
  loginIp: {
    rule: 'login',
    counts: 'every call',
    keyPrefix: 'login:ip',
    key: 'ip',
    env: 'RATE_LIMIT_LOGIN_IP',
    default: { max: 30, windowSeconds: 60 },
    description: 'login attempts per client IP',
  },
  loginAccount: {
    rule: 'login',
    counts: 'failures',
    keyPrefix: 'login:acct',
    key: 'ip+email',
    env: 'RATE_LIMIT_LOGIN_ACCOUNT',
    default: { max: 5, windowSeconds: 15 * 60 },
    description: 'failed logins per (client IP, email); a success clears it',
  },
  registerIp: {
    rule: 'register',
    counts: 'every call',
    keyPrefix: 'register:ip',
    key: 'ip',
    env: 'RATE_LIMIT_REGISTER_IP',
    default: { max: 10, windowSeconds: 3600 },
    description: 'registrations per client IP',
  },
  resetIp: {
    rule: 'reset',
    counts: 'every call',
    keyPrefix: 'reset:ip',
    key: 'ip',
    env: 'RATE_LIMIT_RESET_IP',
    default: { max: 5, windowSeconds: 3600 },
    description: 'password-reset requests per client IP',
  },
  introspectIp: {
    rule: 'introspect',
    counts: 'every call',
    keyPrefix: 'introspect:ip',
    key: 'ip',
    env: 'RATE_LIMIT_INTROSPECT_IP',
    // Other services check tokens from behind one address: their own, much larger budget.
    default: { max: 6000, windowSeconds: 60 },
    description: '`auth.introspect` calls per client IP (other services check tokens from behind one address)',
  },
  defaultIp: {
    rule: 'default',
    counts: 'every call',
    keyPrefix: 'default:ip',
    key: 'ip',
    env: 'RATE_LIMIT_DEFAULT_IP',
    default: { max: 300, windowSeconds: 60 },
    description: 'every other procedure, per client IP',
  },
} as const satisfies Record<string, RateLimitPolicyEntry>;

type Policy = typeof rateLimitPolicy;
export type RateLimitBucket = keyof Policy;
/** The rules a procedure may name in `.meta({ rateLimit })`; `default` applies when it names none. */
export type RateLimitRuleName = Policy[RateLimitBucket]['rule'];

export const rateLimitBuckets = Object.keys(rateLimitPolicy) as RateLimitBucket[];

/** The buckets a call under `rule` counts against, in the record's order. */
export const bucketsOfRule = {} as Record<RateLimitRuleName, RateLimitBucket[]>;
for (const bucket of rateLimitBuckets) {
  const { rule } = rateLimitPolicy[bucket];
  bucketsOfRule[rule] = [...(bucketsOfRule[rule] ?? []), bucket];
}
