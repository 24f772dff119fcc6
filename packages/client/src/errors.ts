/**
 * Reading Keyway's errors: the tRPC code, the per-field messages of a validation failure and
 * the wait of a rate-limited call, without each form digging through `error.data`.
 */
import { isTRPCClientError, type TRPCClientError } from '@trpc/client';
import type { AppRouter, KeywayErrorCode } from './types.js';

export type KeywayClientError = TRPCClientError<AppRouter>;

/** Messages per input field, e.g. `{ password: ['Password must be at least 8 characters'] }`. */
export type FieldErrors<TInput = Record<string, unknown>> = Partial<Record<keyof TInput & string, string[]>>;

/** True for every error a Keyway client call rejects with (server answers and network failures). */
export function isKeywayError(error: unknown): error is KeywayClientError {
  return isTRPCClientError(error);
}

/** The tRPC code of a server's answer (`UNAUTHORIZED`, `TOO_MANY_REQUESTS`, ...); null for a network failure. */
export function errorCodeOf(error: unknown): KeywayErrorCode | null {
  return isKeywayError(error) ? (error.data?.code ?? null) : null;
}

/**
 * The field errors of a `BAD_REQUEST` (empty for any other error). Give the procedure's input
 * type to key them by its fields: `fieldErrorsOf<RouterInputs['auth']['login']>(error).email`.
 */
export function fieldErrorsOf<TInput = Record<string, unknown>>(error: unknown): FieldErrors<TInput> {
  if (!isKeywayError(error)) return {};
  return (error.data?.fieldErrors ?? {}) as FieldErrors<TInput>;
}

/** Seconds until a rate-limited (`TOO_MANY_REQUESTS`) call may be retried; null for other errors. */
export function retryAfterOf(error: unknown): number | null {
  if (!isKeywayError(error) || error.data?.code !== 'TOO_MANY_REQUESTS') return null;
  const seconds = error.data.retryAfter;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : null;
}
