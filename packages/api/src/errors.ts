/** The one table that turns domain errors into tRPC codes. */
import { type AuthErrorCode, isAuthError } from '@keyway/auth-core';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

export const authErrorToTrpcCode: Record<AuthErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  EMAIL_TAKEN: 'CONFLICT',
  WEAK_PASSWORD: 'BAD_REQUEST',
  CURRENT_PASSWORD_INVALID: 'BAD_REQUEST',
  TOKEN_INVALID: 'UNAUTHORIZED',
  REFRESH_TOKEN_REUSED: 'UNAUTHORIZED',
  RESET_TOKEN_INVALID: 'BAD_REQUEST',
  VERIFY_TOKEN_INVALID: 'BAD_REQUEST',
};

/** Names of the database driver errors that mean "the database is not answering". */
const unavailableErrorNames = new Set(['ConnectionException', 'KnexTimeoutError']);
const unavailablePattern =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|timeout acquiring a connection|Timeout acquiring/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return unavailableErrorNames.has(error.name) || unavailablePattern.test(error.message);
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
