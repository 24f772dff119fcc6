/**
 * The in-memory fake of the mail outbox, beside the other fakes in memory-repositories.ts:
 * a claim takes the due messages no live lease holds, the longest due first, and counts the
 * attempt, as the real claim statement does.
 */
import { newOutboxMessage } from '../repositories/outbox.js';
import type { OutboxRepository } from '../repositories/types.js';
import { purgeRows } from './memory-rows.js';

export type MemoryOutboxMessage = ReturnType<typeof newOutboxMessage>;

/** `outbox` is the table of messages by id, owned by the caller (it snapshots it for transactions). */
export function createMemoryOutboxRepository(outbox: Map<string, MemoryOutboxMessage>): OutboxRepository {
  let nextMessageId = 1;
  return {
    async enqueue(input) {
      const id = `00000000-0000-4000-9000-${String(nextMessageId++).padStart(12, '0')}`;
      outbox.set(id, newOutboxMessage(id, input));
    },
    async claimDue({ now, leaseUntil, limit }) {
      const due = [...outbox.values()]
        .filter(
          (message) =>
            !message.sentAt &&
            !message.failedAt &&
            message.nextAttemptAt <= now &&
            (!message.claimedUntil || message.claimedUntil <= now),
        )
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
        .slice(0, limit);
      return due.map((message) => {
        Object.assign(message, { claimedUntil: leaseUntil, attempts: message.attempts + 1 });
        const { id, recipient, kind, payload, createdAt, attempts } = message;
        return { id, recipient, kind, payload, createdAt, attempts };
      });
    },
    async markSent(id, now) {
      const message = outbox.get(id);
      if (message && !message.sentAt) Object.assign(message, { sentAt: now, claimedUntil: null });
    },
    async scheduleRetry(id, { nextAttemptAt, error }) {
      const message = outbox.get(id);
      if (message && !message.sentAt) Object.assign(message, { nextAttemptAt, claimedUntil: null, lastError: error });
    },
    async markFailed(id, { now, error }) {
      const message = outbox.get(id);
      if (message && !message.sentAt) Object.assign(message, { failedAt: now, claimedUntil: null, lastError: error });
    },
    async depth() {
      const messages = [...outbox.values()];
      return {
        pending: messages.filter((message) => !message.sentAt && !message.failedAt).length,
        failed: messages.filter((message) => message.failedAt).length,
      };
    },
    purgeFinished: ({ sentBefore, failedBefore, limit }) =>
      purgeRows(
        outbox,
        (message) =>
          (message.sentAt !== null && message.sentAt < sentBefore) ||
          (message.failedAt !== null && message.failedAt < failedBefore),
        limit,
      ),
  };
}
