/**
 * The harness router and HTTP tests share: a real migrated database, a core with a manual
 * clock and a real SMTP mailbox, and callers made through `createContextInner`.
 */
import { type AuthCoreConfig, type Dialect, silentLogger } from '@keyway/auth-core';
import { createTestCore, redisTestUrl, totpCodeAt } from '@keyway/auth-core/testing';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Redis } from 'ioredis';
import type { CallObserver } from './call-observer.js';
import { createContextInner } from './context.js';
import { createRateLimiter, defaultRateLimitRules, type RateLimiter, type RateLimitRules } from './rate-limit.js';
import { appRouter } from './router.js';
import { createCallerFactory } from './trpc.js';

const createCaller = createCallerFactory(appRouter);

/** tRPC's JSON envelope: a result, or an error with its formatted `data`. */
export interface HttpBody {
  result?: { data: unknown };
  error?: {
    message: string;
    code: number;
    data: {
      code: string;
      httpStatus: number;
      path?: string;
      stack?: string;
      fieldErrors?: Record<string, string[]>;
      retryAfter?: number;
      requestId?: string;
    };
  };
}

/**
 * The fields of a user in every answer, sorted: what the output schemas let through (no
 * password hash, nothing internal). The schema, router and HTTP tests all check against it.
 */
export const publicUserFields = ['createdAt', 'email', 'emailVerified', 'id', 'mfaEnabled', 'updatedAt'];

/** Who a test call comes from: the client's address and its bearer token, if any. */
export interface ClientOptions {
  accessToken?: string | null;
  clientIp?: string;
  userAgent?: string;
  observer?: CallObserver;
}

/** The TRPCError a call rejects with; throws when the call succeeds or fails otherwise. */
export async function rejectionOf(call: Promise<unknown>): Promise<TRPCError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a TRPCError, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof TRPCError)) throw outcome.error;
  return outcome.error;
}

/** A login or refresh answer's tokens (a caller is in bearer mode); throws on mfaRequired instead. */
export function signedIn<Answer extends object>(
  answer: Answer,
): Exclude<Answer, { mfaRequired: true }> & { refreshToken: string } {
  if ('mfaRequired' in answer) throw new Error('Expected a token pair, got mfaRequired');
  // Only a cookie-mode answer leaves the refresh token out, and a caller is in bearer mode.
  if (!('refreshToken' in answer) || typeof answer.refreshToken !== 'string') {
    throw new Error('Expected a refresh token in a bearer-mode answer');
  }
  return answer as Exclude<Answer, { mfaRequired: true }> & { refreshToken: string };
}

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

  const contextFor = (client: ClientOptions = {}) =>
    createContextInner({
      core: base.core,
      rateLimiter,
      clientIp: client.clientIp ?? '203.0.113.1',
      accessToken: client.accessToken ?? null,
      userAgent: client.userAgent ?? null,
      requestId: 'test-request-id',
      observer: client.observer ?? null,
    });

  /** A caller as a client at `clientIp`, optionally bearing an access token. */
  const caller = (client: ClientOptions = {}) => createCaller(contextFor(client));

  /**
   * A procedure called through tRPC's HTTP handling (the fetch adapter, no socket): the
   * status and the formatted JSON body a client would receive, `error.data` included.
   */
  async function http(
    path: string,
    options: ClientOptions & { input?: unknown; method?: 'GET' | 'POST' } = {},
  ): Promise<{ status: number; body: HttpBody }> {
    const method = options.method ?? 'POST';
    const url = new URL(`http://keyway.test/trpc/${path}`);
    if (method === 'GET' && options.input !== undefined) url.searchParams.set('input', JSON.stringify(options.input));
    const response = await fetchRequestHandler({
      endpoint: '/trpc',
      router: appRouter,
      req: new Request(url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' && options.input !== undefined ? JSON.stringify(options.input) : undefined,
      }),
      createContext: () => contextFor(options),
    });
    return { status: response.status, body: (await response.json()) as HttpBody };
  }

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
    const session = signedIn(await caller().auth.login({ email: account.email, password: account.password }));
    return { ...account, session, caller: caller({ accessToken: session.accessToken }) };
  }

  return { ...base, rateLimiter, caller, http, createUser, loginAs };
}

export type TestHarness = Awaited<ReturnType<typeof createTestHarness>>;

/** The steps of an authenticator app against a harness: codes computed from the secret with `otpauth`. */
const stepMs = 30_000;

export function mfaKit(harness: () => TestHarness, dialect: string) {
  let counter = 0;
  const h = () => harness();
  const uniqueEmail = (label: string) => `${label}-${++counter}-${dialect}@example.com`;
  /** The code an authenticator app shows now (or `steps` steps from now). */
  const codeNow = (secret: string, steps = 0) =>
    totpCodeAt(secret, new Date(h().clock.now().getTime() + steps * stepMs));
  /** Moves the manual clock to the start of the next time step, so the next code is unused. */
  const nextStep = () => h().clock.set(new Date((Math.floor(h().clock.now().getTime() / stepMs) + 1) * stepMs + 1000));

  /** A signed-in user with MFA on: its secret, recovery codes and a caller. */
  async function enabledUser(label = 'mfa') {
    const created = await h().createUser({ email: uniqueEmail(label) });
    const account = { ...(await h().loginAs(created)), user: created.user };
    const { secret, otpauthUrl } = await account.caller.mfa.setup({ password: account.password });
    const { recoveryCodes } = await account.caller.mfa.enable({ code: codeNow(secret) });
    nextStep();
    return { ...account, secret, otpauthUrl, recoveryCodes };
  }

  /** The mfaToken a right password earns. */
  async function mfaTokenOf(email: string, password: string): Promise<string> {
    const answer = await h().caller().auth.login({ email, password });
    if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
    return answer.mfaToken;
  }

  return { uniqueEmail, codeNow, nextStep, enabledUser, mfaTokenOf };
}

/**
 * Connected Redis clients for a suite, all quit by `quitAll`. Until a client is ready the
 * Redis stores count in their in-memory insurance (by design: they never wait on Redis), so
 * tests of shared counts start from connected clients, as a server that has started does.
 */
export function redisClients() {
  const clients: Redis[] = [];
  return {
    async connect(): Promise<Redis> {
      const redis = new Redis(redisTestUrl, { maxRetriesPerRequest: 1 });
      clients.push(redis);
      await redis.ping();
      return redis;
    },
    quitAll: () => Promise.all(clients.map((redis) => redis.quit())),
  };
}
