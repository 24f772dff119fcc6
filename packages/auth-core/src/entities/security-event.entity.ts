import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * Something that happened to an account's security (a sign-in, a password change, a
 * session ended…), with where the call came from; the user lists their own. Deleted with
 * the user, and purged after the audit retention.
 */
export const SecurityEvent = defineEntity({
  name: 'SecurityEvent',
  tableName: 'security_event',
  indexes: [{ properties: ['user', 'at'] }],
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').nullable(),
    type: p.string().length(64),
    at: p.datetime().index(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
  },
});

export type SecurityEvent = InferEntity<typeof SecurityEvent>;
