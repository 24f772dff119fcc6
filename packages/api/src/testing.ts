/**
 * The harness router and HTTP tests share: a real migrated database, a core with a manual
 * clock and a real SMTP mailbox, and callers made through `createContextInner`.
 */
import { type AuthCoreConfig, type Dialect, silentLogger } from '@keyway/auth-core';
import { createTestCore } from '@keyway/auth-core/testing';
import { createContextInner } from './context.js';
import { createRateLimiter, defaultRateLimitRules, type RateLimiter, type RateLimitRules } from './rate-limit.js';
import { appRouter } from './router.js';
import { createCallerFactory } from './trpc.js';

const createCaller = createCallerFactory(appRouter);

export interface TestHarnessOptions {
  dialect?: Dialect;
  file?: boolean;
  config?: Partial<AuthCoreConfig>;
  rules?: Partial<RateLimitRules>;
  rateLimiter?: RateLimiter;
}

/** Rules high enough that only the rate-limit tests meet them. */
export const generousRateLimitRules: RateLimitRules = Object.fromEntries(
  Object.entries(defaultRateLimitRules).map(([bucket, rule]) => [bucket, { ...rule, max: 10_000 }]),
) as RateLimitRules;

export async function createTestHarness(options: TestHarnessOptions = {}) {
  const base = await createTestCore({
    dialect: options.dialect,
    file: options.file,
    config: options.config,
    logger: silentLogger,
  });
  const rateLimiter =
    options.rateLimiter ??
    createRateLimiter({ rules: { ...generousRateLimitRules, ...options.rules }, store: { kind: 'memory' } });

  /** A caller as a client at `clientIp`, optionally bearing an access token. */
  const caller = (context: { accessToken?: string | null; clientIp?: string } = {}) =>
    createCaller(
      createContextInner({
        core: base.core,
        rateLimiter,
        clientIp: context.clientIp ?? '203.0.113.1',
        accessToken: context.accessToken ?? null,
        requestId: 'test',
      }),
    );

  let counter = 0;
  /** Registers a user; returns the credentials and the user. */
  async function createUser(overrides: { email?: string; password?: string } = {}) {
    const email = overrides.email ?? `user${++counter}-${Date.now()}@example.com`;
    const password = overrides.password ?? 'Tr0ub4dor&3-horse-staple';
    const { user } = await caller().users.register({ email, password });
    return { email, password, user };
  }

  /** Registers (unless credentials are given) and logs in; returns the pair and an authenticated caller. */
  async function loginAs(credentials?: { email: string; password: string }) {
    const account = credentials ?? (await createUser());
    const session = await caller().auth.login({ email: account.email, password: account.password });
    return { ...account, session, caller: caller({ accessToken: session.accessToken }) };
  }

  return { ...base, rateLimiter, caller, createUser, loginAs };
}

export type TestHarness = Awaited<ReturnType<typeof createTestHarness>>;
