/**
 * The mail outbox on MikroORM. The claim is one statement on both dialects:
 * `UPDATE … SET claimed_until = :lease WHERE id IN (SELECT id … due … LIMIT n) RETURNING …`.
 * On PostgreSQL the inner select also takes `FOR UPDATE SKIP LOCKED`, so instances claiming
 * at the same moment each take different rows instead of queueing on each other's locks;
 * SQLite has one writer at a time, so the statement alone is enough there.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { OutboxMessage } from '../entities/index.js';
import { deleteBatch, toDate } from './rows.js';
import type { OutboxRecord, OutboxRepository } from './types.js';

interface ClaimedRow {
  id: string;
  recipient: string;
  kind: string;
  payload: string;
  created_at: Date | number | string;
  attempts: number | string;
}

/** A message as `enqueue` first writes it: due now, never tried. Shared with the memory fake. */
export function newOutboxMessage(id: string, input: Parameters<OutboxRepository['enqueue']>[0]) {
  const { recipient, kind, payload, now } = input;
  return {
    id,
    recipient,
    kind,
    payload,
    createdAt: now,
    nextAttemptAt: now,
    attempts: 0,
    claimedUntil: null as Date | null,
    sentAt: null as Date | null,
    failedAt: null as Date | null,
    lastError: null as string | null,
  };
}

/** Long enough to keep in the table, short enough for a log line. */
const errorText = (error: string) => error.slice(0, 1000);

export function createOutboxRepository(em: () => EntityManager): OutboxRepository {
  /** Dates as the driver stores them (SQLite: milliseconds), for the raw claim statement. */
  const at = (date: Date) => em().getPlatform().processDateProperty(date);
  const claimSql = (dialect: string) =>
    'update outbox_message set claimed_until = ?, attempts = attempts + 1 where id in (' +
    'select id from outbox_message where sent_at is null and failed_at is null and next_attempt_at <= ? ' +
    'and (claimed_until is null or claimed_until <= ?) order by next_attempt_at limit ?' +
    `${dialect === 'postgresql' ? ' for update skip locked' : ''}) ` +
    'returning id, recipient, kind, payload, created_at, attempts';

  return {
    async enqueue(input) {
      await em().insert(OutboxMessage, newOutboxMessage(randomUUID(), input));
    },

    async claimDue({ now, leaseUntil, limit }): Promise<OutboxRecord[]> {
      const connection = em().getConnection();
      const dialect = (connection.getKnex().client as { dialect: string }).dialect;
      const rows = await connection.execute<ClaimedRow[]>(
        claimSql(dialect),
        [at(leaseUntil), at(now), at(now), limit],
        'all',
        em().getTransactionContext(),
      );
      return rows.map((row) => ({
        id: row.id,
        recipient: row.recipient,
        kind: row.kind,
        payload: row.payload,
        createdAt: toDate(row.created_at),
        attempts: Number(row.attempts),
      }));
    },

    async markSent(id, now) {
      await em().nativeUpdate(OutboxMessage, { id, sentAt: null }, { sentAt: now, claimedUntil: null });
    },

    async scheduleRetry(id, { nextAttemptAt, error }) {
      await em().nativeUpdate(
        OutboxMessage,
        { id, sentAt: null },
        { nextAttemptAt, claimedUntil: null, lastError: errorText(error) },
      );
    },

    async markFailed(id, { now, error }) {
      await em().nativeUpdate(
        OutboxMessage,
        { id, sentAt: null },
        { failedAt: now, claimedUntil: null, lastError: errorText(error) },
      );
    },

    async depth() {
      const [pending, failed] = await Promise.all([
        em().count(OutboxMessage, { sentAt: null, failedAt: null }),
        em().count(OutboxMessage, { failedAt: { $ne: null } }),
      ]);
      return { pending, failed };
    },

    purgeFinished: ({ sentBefore, failedBefore, limit }) =>
      deleteBatch(
        em(),
        OutboxMessage,
        'id',
        { $or: [{ sentAt: { $lt: sentBefore } }, { failedAt: { $lt: failedBefore } }] },
        limit,
      ),
  };
}
