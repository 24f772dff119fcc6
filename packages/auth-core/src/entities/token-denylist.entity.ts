import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** Access tokens refused before their natural expiry (logout). Purged once expired. */
export const TokenDenylist = defineEntity({
  name: 'TokenDenylist',
  tableName: 'token_denylist',
  properties: {
    jti: p.uuid().primary(),
    expiresAt: p.datetime().index(),
  },
});

export type TokenDenylist = InferEntity<typeof TokenDenylist>;
