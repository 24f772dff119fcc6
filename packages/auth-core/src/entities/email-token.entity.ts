import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * A single-use token sent by email (password reset, address verification, email change).
 * Only the SHA-256 of the token is stored; the token itself exists only in the email. An
 * email-change token carries the address it was sent to, the one its confirmation sets, and
 * the request it answers.
 */
export const EmailToken = defineEntity({
  name: 'EmailToken',
  tableName: 'email_token',
  properties: {
    tokenHash: p.string().length(64).primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    // A string rather than an enum: SQLite's schema reader misreads a check of three values,
    // so every generated migration would rebuild the table again.
    purpose: p.string().length(16).$type<'reset' | 'verify' | 'email-change'>(),
    newEmail: p.string().length(254).nullable(),
    /** For an email change: the request it was minted for (the user's `emailChangeRequestId` then). */
    changeRequestId: p.uuid().nullable(),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
    usedAt: p.datetime().nullable(),
  },
});

export type EmailToken = InferEntity<typeof EmailToken>;
