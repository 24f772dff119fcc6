/** The one table that turns domain errors into tRPC codes. */
import { type AuthErrorCode, isAuthError, isDatabaseUnavailable } from '@keyway/auth-core';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { RateLimitExceededError } from './rate-limit.js';

export const authErrorToTrpcCode: Record<AuthErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  EMAIL_TAKEN: 'CONFLICT',
  WEAK_PASSWORD: 'BAD_REQUEST',
  CURRENT_PASSWORD_INVALID: 'BAD_REQUEST',
  TOKEN_INVALID: 'UNAUTHORIZED',
  REFRESH_TOKEN_REUSED: 'UNAUTHORIZED',
  RESET_TOKEN_INVALID: 'BAD_REQUEST',
  VERIFY_TOKEN_INVALID: 'BAD_REQUEST',
  EMAIL_CHANGE_TOKEN_INVALID: 'BAD_REQUEST',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_REQUESTS',
  ACCOUNT_DISABLED: 'UNAUTHORIZED',
  SESSION_NOT_FOUND: 'NOT_FOUND',
  MFA_CODE_INVALID: 'BAD_REQUEST',
  MFA_TOKEN_INVALID: 'UNAUTHORIZED',
  MFA_ALREADY_ENABLED: 'BAD_REQUEST',
  MFA_NOT_ENABLED: 'BAD_REQUEST',
  MFA_SETUP_REQUIRED: 'BAD_REQUEST',
};

/**
 * Seconds a refused caller should wait (`Retry-After`, `error.data.retryAfter`): set by a
 * rate limit, or by an account's backoff.
 */
export function retryAfterOf(cause: unknown): number | undefined {
  if (cause instanceof RateLimitExceededError) return cause.retryAfterSeconds;
  if (isAuthError(cause) && cause.code === 'TOO_MANY_ATTEMPTS') return cause.retryAfterSeconds ?? 1;
  return undefined;
}

/** The rule that refused a call with `TOO_MANY_REQUESTS` (metrics): a rate-limit bucket, or the backoff. */
export function refusingRuleOf(cause: unknown): string {
  if (cause instanceof RateLimitExceededError) return cause.rule;
  return isAuthError(cause) && cause.code === 'TOO_MANY_ATTEMPTS' ? 'loginBackoff' : 'other';
}

/** Maps an error thrown below the API to the TRPCError the caller should see. */
export function toTrpcError(error: TRPCError): TRPCError {
  const cause = error.cause;
  if (isAuthError(cause))
    return new TRPCError({ code: authErrorToTrpcCode[cause.code], message: cause.message, cause });
  if (error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(cause)) {
    return new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The database is unavailable; try again shortly',
      cause,
    });
  }
  return error;
}
