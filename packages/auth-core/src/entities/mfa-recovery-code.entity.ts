import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * A recovery code of the second factor: shown once, stored as its SHA-256 only, spent by a
 * compare-and-set on `usedAt`. Enabling MFA replaces a user's codes; disabling deletes them.
 */
export const MfaRecoveryCode = defineEntity({
  name: 'MfaRecoveryCode',
  tableName: 'mfa_recovery_code',
  properties: {
    codeHash: p.string().length(64).primary(),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    createdAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});

export type MfaRecoveryCode = InferEntity<typeof MfaRecoveryCode>;
