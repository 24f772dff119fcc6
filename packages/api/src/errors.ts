/** The one table that turns domain errors into tRPC codes. */
import { type AuthErrorCode, isAuthError } from '@keyway/auth-core';
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

/** Names of the database driver errors that mean "the database is not answering". */
const unavailableErrorNames = new Set(['ConnectionException', 'KnexTimeoutError']);
/**
 * Codes that mean the same: socket errors (a dropped or refused link), and PostgreSQL's
 * SQLSTATEs for a server that is shutting down, starting up, full, or that cancelled the
 * statement on `statement_timeout` (57014: it did not answer in time). Class 08 (connection
 * exceptions) is matched by prefix below.
 */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);
/**
 * pg and knex report some of these with a bare Error and only a message: `timeout expired`
 * is pg's connect timeout, `Query read timeout` its client-side query timeout (a silent
 * link), the others a link that died under an open or pooled connection.
 */
const unavailablePattern =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|Connection ended unexpectedly|not queryable|timeout expired|Query read timeout|Timeout acquiring a connection|Unable to acquire a connection/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (
      unavailableErrorNames.has(current.name) ||
      (typeof code === 'string' && (unavailableCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) ||
      unavailablePattern.test(current.message)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
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
