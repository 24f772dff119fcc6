/**
 * A hook told the outcome of every procedure call, once, where the procedure's path and
 * outcome are known: behind both of the server's request paths, for every call of a batch.
 * The server's metrics are one; a context without one pays for nothing but a check.
 */
import { getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';

export interface CallObserver {
  /**
   * One finished call: `error` is null on success (then `data` is the procedure's answer),
   * `seconds` the time from its rate-limit check to its answer.
   */
  call(path: string, error: TRPCError | null, seconds: number, data: unknown): void;
}

/** Runs `call` (the procedure's middleware chain) and tells `observer`, if there is one, how it ended. */
export async function observeCall<Result>(
  options: { ctx: { observer: CallObserver | null }; path: string },
  call: () => Promise<Result>,
): Promise<Result> {
  const { observer } = options.ctx;
  if (!observer) return call();
  const started = performance.now();
  try {
    const result = await call();
    observer.call(options.path, null, (performance.now() - started) / 1000, (result as { data?: unknown }).data);
    return result;
  } catch (cause) {
    // Converted here so tRPC, the server's error hooks and the observer all see one error object.
    const error = getTRPCErrorFromUnknown(cause);
    observer.call(options.path, error, (performance.now() - started) / 1000, undefined);
    throw error;
  }
}
