/**
 * Work done after the answer has gone out (sending mail, issuing emailed tokens), so
 * answers and their timing never depend on the mail server. Failures are retried with
 * backoff, then logged; they never reach the caller. `idle()` lets shutdown and tests
 * wait for the queue to empty.
 */
import type { Logger } from './logger.js';

export interface BackgroundQueue {
  run(label: string, job: () => Promise<void>): void;
  idle(): Promise<void>;
}

export function createBackgroundQueue(options: {
  logger: Logger;
  attempts?: number;
  retryDelayMs?: number;
}): BackgroundQueue {
  const { logger, attempts = 3, retryDelayMs = 500 } = options;
  const pending = new Set<Promise<void>>();

  async function execute(label: string, job: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await job();
        return;
      } catch (error) {
        if (attempt >= attempts) {
          logger.error({ err: error, job: label, attempts: attempt }, `Background job failed: ${label}`);
          return;
        }
        logger.warn({ err: error, job: label, attempt }, `Background job failed, retrying: ${label}`);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  return {
    run(label, job) {
      const task = new Promise<void>((resolve) => setImmediate(resolve)).then(() => execute(label, job));
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    async idle() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
