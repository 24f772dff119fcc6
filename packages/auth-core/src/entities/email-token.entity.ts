import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * A single-use token sent by email (password reset, address verification). Only the
 * SHA-256 of the token is stored; the token itself exists only in the email.
 */
export const EmailToken = defineEntity({
  name: 'EmailToken',
  tableName: 'email_token',
  properties: {
    tokenHash: p.string().length(64).primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    purpose: p.enum(['reset', 'verify'] as const),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
    usedAt: p.datetime().nullable(),
  },
});

export type EmailToken = InferEntity<typeof EmailToken>;
