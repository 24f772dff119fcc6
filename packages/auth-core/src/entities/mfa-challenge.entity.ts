import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * The pending second step of a login with MFA on: the `mfaToken` a right password earns.
 * Only its SHA-256 is stored (it is no JWT, so it can never pass for an access or refresh
 * token, nor they for it). It works once, for a few minutes, and for a bounded number of
 * codes: `attempts` is counted up by a compare-and-set before each code is checked.
 */
export const MfaChallenge = defineEntity({
  name: 'MfaChallenge',
  tableName: 'mfa_challenge',
  properties: {
    tokenHash: p.string().length(64).primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
    attempts: p.integer().default(0),
    usedAt: p.datetime().nullable(),
  },
});

export type MfaChallenge = InferEntity<typeof MfaChallenge>;
