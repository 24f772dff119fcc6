/**
 * The only initTRPC call. Exports just what procedures may use. Every procedure runs
 * behind one middleware made of small named steps: its rate limits, its own services (built
 * as it first uses them), the bearer token where the procedure is protected, the refund rule
 * of failure-only rate limits, and domain errors mapped to tRPC codes.
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
import { RateLimitExceededError } from './rate-limit.js';
import {
  bucketsOfRule,
  type RateLimitBucket,
  type RateLimitPolicyEntry,
  type RateLimitRuleName,
  rateLimitPolicy,
} from './rate-limit-policy.js';
import { applySessionCookie } from './session-transport.js';

export interface Meta {
  /** The rate-limit rule a procedure is counted under (rate-limit-policy.ts); `default` if none. */
  rateLimit?: RateLimitRuleName;
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

interface CallOptions {
  ctx: Context;
  meta: Meta | undefined;
  getRawInput: () => Promise<unknown>;
}

/** A bucket counted only for failures, with the key it was counted under (rate-limit-policy.ts). */
type FailureCount = { bucket: RateLimitBucket; key: string };

/**
 * Step 1, rate limits: counts the call against every bucket of its rule (rate-limit-policy.ts),
 * before anything else runs. Returns the failure-only counts, which step 4 settles.
 */
async function countRateLimits({ ctx, meta, getRawInput }: CallOptions): Promise<FailureCount[]> {
  const client = rateLimitKeyOf(ctx.clientIp);
  const failureCounts: FailureCount[] = [];
  try {
    for (const bucket of bucketsOfRule[meta?.rateLimit ?? 'default']) {
      const entry: RateLimitPolicyEntry = rateLimitPolicy[bucket];
      const key = entry.key === 'ip' ? client : `${client}:${normalizedEmail(await getRawInput())}`;
      await ctx.rateLimiter.consume(bucket, key);
      if (entry.counts === 'failures') failureCounts.push({ bucket, key });
    }
    return failureCounts;
  } catch (error) {
    if (error instanceof RateLimitExceededError) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message, cause: error });
    }
    throw error;
  }
}

/** Step 2, services: the call's own, each built when first used (core.ts), told who is calling for the audit log. */
const servicesOf = (ctx: Context): AuthServices => ctx.core.forRequest({ ip: ctx.clientIp, userAgent: ctx.userAgent });

/**
 * Step 3, authentication (protected procedures): the bearer token, checked on every call by
 * the core's check, which needs none of the call's services.
 */
async function authenticate(ctx: Context) {
  if (!ctx.accessToken) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing bearer token' });
  return ctx.core.authenticate(ctx.accessToken);
}

/**
 * Step 4, the refund rule of failure-only buckets: a success clears them, a failure other
 * than on credentials (UNAUTHORIZED: wrong password, unknown email) gives its hit back.
 */
async function settleFailureCounts(ctx: Context, counts: FailureCount[], failure: TRPCError | undefined) {
  for (const { bucket, key } of counts) {
    if (!failure) await ctx.rateLimiter.reset(bucket, key);
    else if (failure.code !== 'UNAUTHORIZED') await ctx.rateLimiter.refund(bucket, key);
  }
}

type NextResult = { ok: true; data?: unknown } | { ok: false; error: TRPCError };

/**
 * What every procedure runs behind, as one tRPC middleware (each level of middleware copies
 * the call's options twice and the context once, a measurable share of an authenticated call:
 * apps/server/bench/README.md): the steps above, then error mapping (errors.ts) and the
 * session cookie (session-transport.ts).
 */
async function guard<Result extends NextResult>(
  options: CallOptions,
  run: (services: AuthServices) => Promise<Result>,
): Promise<Result> {
  const { ctx, meta } = options;
  // Step 0, well-formed input: a malformed body or `?input=` is refused (400) before anything
  // is counted, whether or not the procedure takes input, on every request path alike.
  await options.getRawInput();
  const failureCounts = await countRateLimits(options);
  let result: Result | undefined;
  let failure: TRPCError | undefined;
  try {
    result = await run(servicesOf(ctx));
    if (!result.ok) failure = toTrpcError(result.error);
  } catch (cause) {
    failure = toTrpcError(getTRPCErrorFromUnknown(cause));
  }
  if (failureCounts.length > 0) await settleFailureCounts(ctx, failureCounts, failure);
  if (failure || !result?.ok) throw failure;
  if (meta?.session && 'data' in result) {
    return { ...result, data: applySessionCookie(meta.session, ctx.session, result.data, ctx.core.clock.now()) };
  }
  return result;
}

export const publicProcedure = t.procedure.use((options) =>
  observeCall(options, () => guard(options, (services) => options.next({ ctx: { services } }))),
);

export const protectedProcedure = t.procedure.meta({ authenticated: true }).use((options) =>
  observeCall(options, () =>
    guard(options, async (services) => {
      const principal = await authenticate(options.ctx);
      return options.next({ ctx: { services, principal } });
    }),
  ),
);
