import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * A mail waiting to go out (the outbox), written in the same transaction as the change that
 * causes it and delivered by the mail worker of any instance. `payload` is what the mail is
 * made from at send time; it never holds an emailed token (those are minted when the mail
 * is sent), so a dump of this table gives no way into an account.
 */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_message',
  properties: {
    id: p.uuid().primary(),
    recipient: p.string().length(254),
    kind: p.string().length(64),
    payload: p.text(),
    createdAt: p.datetime(),
    /** Due from then on; pushed back after each failed attempt. */
    nextAttemptAt: p.datetime().index(),
    /** Attempts begun (a claim counts, so a crash mid-send also grows the backoff). */
    attempts: p.integer().default(0),
    /** A worker holds the message until then; after that another may take it over. */
    claimedUntil: p.datetime().nullable(),
    sentAt: p.datetime().nullable().index(),
    failedAt: p.datetime().nullable().index(),
    lastError: p.string().length(1000).nullable(),
  },
});

export type OutboxMessage = InferEntity<typeof OutboxMessage>;
