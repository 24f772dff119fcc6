/**
 * The only initTRPC call. Exports just what procedures may use. Every procedure runs
 * behind one middleware that applies its rate limit, gives it its own services (a forked
 * EntityManager), checks the bearer token where the procedure is protected, and maps
 * domain errors to tRPC codes.
 */
import type { AuthServices } from '@keyway/auth-core';
import {
  getTRPCErrorFromUnknown,
  initTRPC,
  type TRPCDefaultErrorData,
  type TRPCDefaultErrorShape,
  TRPCError,
} from '@trpc/server';
import { z } from 'zod';
import { observeCall } from './call-observer.js';
import { rateLimitKeyOf } from './client-address.js';
import type { Context } from './context.js';
import { retryAfterOf, toTrpcError } from './errors.js';
import { type RateLimitBucket, RateLimitExceededError } from './rate-limit.js';
import { applySessionCookie } from './session-transport.js';

/** Which rate-limit rule a procedure is counted under (README, Configuration: RATE_LIMIT_*). */
export interface Meta {
  rateLimit?: 'login' | 'register' | 'reset' | 'introspect' | 'default';
  /** Set by `protectedProcedure` (a bearer token is required); the OpenAPI document reads it. */
  authenticated?: boolean;
  /**
   * Browser sessions (session-transport.ts): `issue` puts the answer's refresh token in the
   * HttpOnly cookie in cookie mode, `clear` clears that cookie.
   */
  session?: 'issue' | 'clear';
}

/**
 * Every error answer: tRPC's shape, plus the messages per field of a validation failure, the
 * seconds until a rate-limited call may be retried, and the request id of an unexpected error.
 */
export interface ErrorShape extends TRPCDefaultErrorShape {
  data: TRPCDefaultErrorData & { fieldErrors?: Record<string, string[]>; retryAfter?: number; requestId?: string };
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // No stack traces in any response; unexpected errors are logged with the request id.
    isDev: false,
    errorFormatter({ shape, error, ctx }): ErrorShape {
      const cause = error.cause;
      const data: ErrorShape['data'] = { ...shape.data };
      let message = shape.message;
      if (cause instanceof z.ZodError) {
        data.fieldErrors = z.flattenError(cause).fieldErrors as Record<string, string[]>;
        message = cause.issues
          .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
          .join('; ');
      } else if (cause && 'fieldErrors' in cause && cause.fieldErrors) {
        data.fieldErrors = cause.fieldErrors as Record<string, string[]>;
      }
      const retryAfter = retryAfterOf(cause);
      if (retryAfter !== undefined) data.retryAfter = retryAfter;
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        message = 'Internal server error';
        if (ctx?.requestId) data.requestId = ctx.requestId;
      }
      return { ...shape, message, data };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const normalizedEmail = (input: unknown) =>
  typeof input === 'object' && input !== null && 'email' in input && typeof input.email === 'string'
    ? input.email.trim().toLowerCase()
    : '';

const ipBuckets: Record<NonNullable<Meta['rateLimit']>, RateLimitBucket> = {
  login: 'loginIp',
  register: 'registerIp',
  reset: 'resetIp',
  introspect: 'introspectIp',
  default: 'defaultIp',
};

interface CallOptions {
  ctx: Context;
  meta: Meta | undefined;
  getRawInput: () => Promise<unknown>;
}

/** Counts the call against its rate limits; returns the login account key, if one was counted. */
async function consumeRateLimits({ ctx, meta, getRawInput }: CallOptions): Promise<string | undefined> {
  const rule = meta?.rateLimit ?? 'default';
  const limiter = ctx.rateLimiter;
  const client = rateLimitKeyOf(ctx.clientIp);
  try {
    await limiter.consume(ipBuckets[rule], client);
    if (rule !== 'login') return undefined;
    const accountKey = `${client}:${normalizedEmail(await getRawInput())}`;
    // Counted before the attempt and given back unless it fails on credentials: counting
    // failures only after the fact let a burst of parallel guesses all pass the check
    // before the first failure was recorded.
    await limiter.consume('loginAccount', accountKey);
    return accountKey;
  } catch (error) {
    if (error instanceof RateLimitExceededError) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
    }
    throw error;
  }
}

/**
 * What every procedure runs behind: its rate limits, then `run` with the call's own
 * services, then domain errors mapped to tRPC codes.
 */
async function guard<Result extends { ok: true } | { ok: false; error: TRPCError }>(
  options: CallOptions,
  run: (services: AuthServices) => Promise<Result>,
): Promise<Result> {
  const accountKey = await consumeRateLimits(options);
  let result: Result | undefined;
  let failure: TRPCError | undefined;
  try {
    result = await run(options.ctx.core.forRequest({ ip: options.ctx.clientIp, userAgent: options.ctx.userAgent }));
    if (!result.ok) failure = toTrpcError(result.error);
  } catch (cause) {
    failure = toTrpcError(getTRPCErrorFromUnknown(cause));
  }
  if (accountKey) {
    // Only failed logins count against the account key; a success clears it.
    const limiter = options.ctx.rateLimiter;
    if (!failure) await limiter.reset('loginAccount', accountKey);
    else if (failure.code !== 'UNAUTHORIZED') await limiter.refund('loginAccount', accountKey);
  }
  if (failure) throw failure;
  const { meta, ctx } = options;
  if (meta?.session && result?.ok && 'data' in result) {
    const data = applySessionCookie(meta.session, ctx.session, result.data, ctx.core.clock.now());
    return { ...result, data };
  }
  return result as Result;
}

export const publicProcedure = t.procedure.use((options) =>
  observeCall(options, () => guard(options, (services) => options.next({ ctx: { services } }))),
);

/**
 * The bearer token is checked inside the same middleware rather than a second one: each
 * tRPC middleware level copies the call's options and context several times, a measurable
 * share of an authenticated call (apps/server/bench/README.md).
 */
export const protectedProcedure = t.procedure.meta({ authenticated: true }).use((options) =>
  observeCall(options, () =>
    guard(options, async (services) => {
      const { accessToken } = options.ctx;
      if (!accessToken) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing bearer token' });
      const principal = await services.auth.authenticate(accessToken);
      return options.next({ ctx: { services, principal } });
    }),
  ),
);
