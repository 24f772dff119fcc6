import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * A login session: one refresh-token family. Both tokens of a login carry its id (`sid`);
 * the refresh token in the client's hands is valid only while its `jti` equals
 * `currentRefreshJti`, which rotation swaps in a single compare-and-set.
 */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    currentRefreshJti: p.uuid(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime(),
    expiresAt: p.datetime().index(),
    revokedAt: p.datetime().nullable(),
    userAgent: p.string().length(512).nullable(),
    ip: p.string().length(64).nullable(),
  },
});

export type Session = InferEntity<typeof Session>;
