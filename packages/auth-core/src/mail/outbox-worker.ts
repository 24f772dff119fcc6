/**
 * The mail worker every instance runs: it claims due outbox messages for a lease, makes and
 * sends each, then marks it sent. Delivery is at least once: a crash (or a lost database
 * link) between the send and the mark leaves the claim to expire, and the message is sent
 * again after the lease. A failed attempt is retried with a delay that doubles per attempt
 * (10 s, 20 s, 40 s … capped at an hour) until `retryForSeconds` after the message was
 * queued; then the message is marked failed and logged. Answers never wait for any of this.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OutboxRecord, Repositories } from '../repositories/types.js';
import type { MailSender } from './mailer.js';
import type { MailComposer } from './outbox.js';

export type MailOutcome = 'sent' | 'skipped' | 'retry' | 'failed';

export interface MailWorkerOptions {
  /** Fresh repositories for each pass. */
  repositories: () => Repositories;
  compose: MailComposer;
  sender: MailSender;
  clock: Clock;
  logger: Logger;
  retryForSeconds: number;
  /** How often to look for messages queued by other instances (or due for a retry). */
  pollIntervalMs?: number;
  /** How long a claim holds; longer than the mail transport's own timeouts. */
  leaseSeconds?: number;
  batchSize?: number;
  /** Told about every attempt's outcome (metrics). */
  onOutcome?: (outcome: MailOutcome) => void;
}

const firstRetryDelaySeconds = 10;
const maxRetryDelaySeconds = 3600;

/** The delay before the next attempt after `attempts` failed ones. */
const retryDelaySeconds = (attempts: number): number =>
  Math.min(firstRetryDelaySeconds * 2 ** Math.max(0, attempts - 1), maxRetryDelaySeconds);

export function createMailWorker(options: MailWorkerOptions) {
  const { compose, sender, clock, logger, retryForSeconds, onOutcome = () => {} } = options;
  const { pollIntervalMs = 500, leaseSeconds = 120, batchSize = 10 } = options;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  /** The pass loop in progress, if any: one at a time per instance. */
  let running: Promise<void> | undefined;
  let wokenWhileRunning = false;
  let databaseDown = false;

  /**
   * Makes and sends one message, then records the outcome. A failure to make or send it is
   * an attempt that failed; a failure to record the outcome afterwards (the database went
   * away) is not: it rejects, and the claim is left to expire.
   */
  async function deliver(repositories: Repositories, message: OutboxRecord): Promise<void> {
    let sent: boolean;
    try {
      const mail = await compose(repositories, message);
      if (mail) await sender.send(mail);
      sent = mail !== null;
    } catch (error) {
      await recordFailure(repositories, message, error);
      return;
    }
    await repositories.outbox.markSent(message.id, clock.now());
    onOutcome(sent ? 'sent' : 'skipped');
  }

  async function recordFailure(repositories: Repositories, message: OutboxRecord, error: unknown): Promise<void> {
    const now = clock.now();
    const reason = error instanceof Error ? error.message : String(error);
    const deadline = message.createdAt.getTime() + retryForSeconds * 1000;
    const context = { mailId: message.id, kind: message.kind, attempts: message.attempts, err: error };
    if (now.getTime() >= deadline) {
      await repositories.outbox.markFailed(message.id, { now, error: reason });
      onOutcome('failed');
      logger.error(context, `Mail given up after ${message.attempts} attempts: ${message.kind}`);
      return;
    }
    const next = Math.min(now.getTime() + retryDelaySeconds(message.attempts) * 1000, deadline);
    await repositories.outbox.scheduleRetry(message.id, { nextAttemptAt: new Date(next), error: reason });
    onOutcome('retry');
    const retryInSeconds = (next - now.getTime()) / 1000;
    logger.warn({ ...context, retryInSeconds }, `Mail attempt failed, will retry: ${message.kind}`);
  }

  /** Claims one batch and delivers it; returns how many were claimed. */
  async function pass(): Promise<number> {
    const repositories = options.repositories();
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000);
    const claimed = await repositories.outbox.claimDue({ now, leaseUntil, limit: batchSize });
    // Different recipients in parallel; one recipient's messages in order, so that of two
    // links minted for one address the newer one (the one that works) is also sent last.
    const byRecipient = new Map<string, OutboxRecord[]>();
    for (const message of claimed)
      byRecipient.set(message.recipient, [...(byRecipient.get(message.recipient) ?? []), message]);
    await Promise.all(
      [...byRecipient.values()].map(async (messages) => {
        for (const message of messages) {
          // A failure to record the outcome (the database went away) leaves the claim to expire.
          await deliver(repositories, message).catch((error: unknown) =>
            logger.warn({ err: error, mailId: message.id }, 'Mail outcome not recorded; retried after the lease'),
          );
        }
      }),
    );
    return claimed.length;
  }

  /** Passes until nothing due is left (or the database is unreachable). */
  async function drain(): Promise<void> {
    do {
      wokenWhileRunning = false;
      try {
        while ((await pass()) > 0) {}
        if (databaseDown) logger.info({}, 'Mail worker reaches the database again');
        databaseDown = false;
      } catch (error) {
        if (!databaseDown) logger.warn({ err: error }, 'Mail worker cannot reach the database; retrying');
        databaseDown = true;
        return;
      }
    } while (wokenWhileRunning);
  }

  function run(): Promise<void> {
    if (running) {
      wokenWhileRunning = true;
      return running;
    }
    running = drain().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (!started) return;
    timer = setTimeout(() => void run().finally(schedule), pollIntervalMs);
    timer.unref();
  }

  return {
    /** Delivers what is due now (a restart sends pending mail at once), then polls. */
    start(): void {
      if (started) return;
      started = true;
      void run().finally(schedule);
    },
    /** Looks for due messages now (called when this instance commits one). */
    wake(): void {
      if (started) void run();
    },
    /**
     * Delivers every message due now and resolves when none is left; also when the worker is
     * not started (tests and one-off tools drive it this way).
     */
    async idle(): Promise<void> {
      while (running) await running;
      await run();
      while (running) await running;
    },
    /**
     * Stops claiming. A send in flight is given `graceMs` to finish and be marked; past that
     * its claim simply expires and another instance (or the next start) sends it again.
     */
    async stop(graceMs = 1000): Promise<void> {
      started = false;
      clearTimeout(timer);
      const inFlight = running;
      if (!inFlight) return;
      let bounded: NodeJS.Timeout | undefined;
      await Promise.race([inFlight, new Promise((resolve) => (bounded = setTimeout(resolve, graceMs)))]);
      clearTimeout(bounded);
    },
  };
}

export type MailWorker = ReturnType<typeof createMailWorker>;
