/**
 * The only initTRPC call. Exports just what procedures may use. Every procedure runs
 * behind one middleware that gives it its own services (a forked EntityManager), applies
 * its rate limit, and maps domain errors to tRPC codes.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Context } from './context.js';
import { toTrpcError } from './errors.js';
import { type RateLimitBucket, RateLimitExceededError } from './rate-limit.js';

/** Which rate-limit rule a procedure is counted under (contract section 7). */
export interface Meta {
  rateLimit?: 'login' | 'register' | 'reset' | 'default';
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // No stack traces in any response; unexpected errors are logged with the request id.
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const cause = error.cause;
      const data: typeof shape.data & {
        fieldErrors?: Record<string, string[]>;
        retryAfter?: number;
        requestId?: string;
      } = { ...shape.data };
      let message = shape.message;
      if (cause instanceof z.ZodError) {
        data.fieldErrors = z.flattenError(cause).fieldErrors as Record<string, string[]>;
        message = cause.issues
          .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
          .join('; ');
      } else if (cause && 'fieldErrors' in cause && cause.fieldErrors) {
        data.fieldErrors = cause.fieldErrors as Record<string, string[]>;
      }
      if (cause instanceof RateLimitExceededError) data.retryAfter = cause.retryAfterSeconds;
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
  default: 'defaultIp',
};

const procedure = t.procedure.use(async ({ ctx, meta, next, getRawInput }) => {
  const rule = meta?.rateLimit ?? 'default';
  const limiter = ctx.rateLimiter;
  let accountKey: string | undefined;
  try {
    await limiter.consume(ipBuckets[rule], ctx.clientIp);
    if (rule === 'login') {
      accountKey = `${ctx.clientIp}:${normalizedEmail(await getRawInput())}`;
      // Counted before the attempt and given back unless it fails on credentials: counting
      // failures only after the fact let a burst of parallel guesses all pass the check
      // before the first failure was recorded.
      await limiter.consume('loginAccount', accountKey);
    }
  } catch (error) {
    if (error instanceof RateLimitExceededError) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
    }
    throw error;
  }

  const result = await next({ ctx: { services: ctx.core.forRequest() } });

  const failure = result.ok ? undefined : toTrpcError(result.error);
  if (accountKey) {
    // Only failed logins count against the account key; a success clears it.
    if (!failure) await limiter.reset('loginAccount', accountKey);
    else if (failure.code !== 'UNAUTHORIZED') await limiter.refund('loginAccount', accountKey);
  }
  if (failure) throw failure;
  return result;
});

export const publicProcedure = procedure;

export const protectedProcedure = procedure.use(async ({ ctx, next }) => {
  if (!ctx.accessToken) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing bearer token' });
  const principal = await ctx.services.auth.authenticate(ctx.accessToken);
  return next({ ctx: { principal } });
});
