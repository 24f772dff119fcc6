import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * A login session: one refresh-token family. Both tokens of a login carry its id (`sid`);
 * the refresh token in the client's hands is valid only while its `jti` equals
 * `currentRefreshJti`, which rotation swaps in a single compare-and-set. The swap also
 * keeps the jti it replaced and when (`previousRefreshJti`, `rotatedAt`): for a short grace
 * after a rotation that token still earns a pair for the current jti (a lost answer, tabs
 * racing), instead of counting as reuse.
 */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    currentRefreshJti: p.uuid(),
    previousRefreshJti: p.uuid().nullable(),
    rotatedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime(),
    expiresAt: p.datetime().index(),
    revokedAt: p.datetime().nullable(),
    userAgent: p.string().length(512).nullable(),
    ip: p.string().length(64).nullable(),
  },
});

export type Session = InferEntity<typeof Session>;
