/**
 * The MikroORM side of the second factor. Every state change that races (enabling, a code's
 * time step, a recovery code, a challenge's attempts and its single use) is one conditional
 * UPDATE, so it holds on SQLite and PostgreSQL across any number of instances.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { MfaChallenge, MfaRecoveryCode, User } from '../entities/index.js';
import { deleteBatch } from './rows.js';
import type { MfaRepository } from './types.js';

export function createMfaRepository(em: () => EntityManager): MfaRepository {
  return {
    async findSecret(userId) {
      const user = await em().findOne(
        User,
        { id: userId },
        {
          fields: ['mfaSecret', 'mfaSecretKeyId', 'mfaEnabledAt', 'mfaLastUsedStep'],
          disableIdentityMap: true,
        },
      );
      if (!user?.mfaSecret || !user.mfaSecretKeyId) return null;
      return {
        secret: { keyId: user.mfaSecretKeyId, ciphertext: user.mfaSecret },
        enabled: user.mfaEnabledAt != null,
        lastUsedStep: user.mfaLastUsedStep ?? null,
      };
    },

    async setPendingSecret({ userId, secret, now }) {
      const updated = await em().nativeUpdate(
        User,
        { id: userId, mfaEnabledAt: null },
        { mfaSecret: secret.ciphertext, mfaSecretKeyId: secret.keyId, mfaLastUsedStep: null, updatedAt: now },
      );
      return updated === 1;
    },

    async enable({ userId, ciphertext, step, now }) {
      const updated = await em().nativeUpdate(
        User,
        { id: userId, mfaEnabledAt: null, mfaSecret: ciphertext },
        { mfaEnabledAt: now, mfaLastUsedStep: step, updatedAt: now },
      );
      return updated === 1;
    },

    async replaceRecoveryCodes({ userId, codeHashes, now }) {
      await em().nativeDelete(MfaRecoveryCode, { user: userId });
      await em().insertMany(
        MfaRecoveryCode,
        codeHashes.map((codeHash) => ({ codeHash, user: userId, createdAt: now, usedAt: null })),
      );
    },

    async useStep({ userId, step }) {
      const updated = await em().nativeUpdate(
        User,
        {
          id: userId,
          mfaEnabledAt: { $ne: null },
          $or: [{ mfaLastUsedStep: null }, { mfaLastUsedStep: { $lt: step } }],
        },
        { mfaLastUsedStep: step },
      );
      return updated === 1;
    },

    async useRecoveryCode({ userId, codeHash, now }) {
      const updated = await em().nativeUpdate(
        MfaRecoveryCode,
        { codeHash, user: userId, usedAt: null },
        { usedAt: now },
      );
      return updated === 1;
    },

    async disable({ userId, now }) {
      const updated = await em().nativeUpdate(
        User,
        { id: userId, mfaEnabledAt: { $ne: null } },
        { mfaSecret: null, mfaSecretKeyId: null, mfaEnabledAt: null, mfaLastUsedStep: null, updatedAt: now },
      );
      if (updated !== 1) return false;
      await em().nativeDelete(MfaRecoveryCode, { user: userId });
      await em().nativeDelete(MfaChallenge, { user: userId });
      return true;
    },

    async createChallenge({ tokenHash, userId, now, expiresAt }) {
      await em().insert(MfaChallenge, {
        tokenHash,
        user: userId,
        createdAt: now,
        expiresAt,
        attempts: 0,
        usedAt: null,
      });
    },

    async findChallenge({ tokenHash, now, maxAttempts }) {
      const challenge = await em().findOne(
        MfaChallenge,
        { tokenHash, usedAt: null, expiresAt: { $gt: now }, attempts: { $lt: maxAttempts } },
        { fields: ['user'], disableIdentityMap: true },
      );
      return challenge?.user ?? null;
    },

    async deleteChallenges(userId) {
      await em().nativeDelete(MfaChallenge, { user: userId });
    },

    async attemptChallenge({ tokenHash, now, maxAttempts }) {
      // Read, then count up from exactly what was read: of concurrent attempts each one that
      // wins the compare-and-set is counted, a loser reads again, and no more than
      // `maxAttempts` codes are ever checked against one challenge.
      for (let round = 0; round <= maxAttempts; round += 1) {
        const challenge = await em().findOne(
          MfaChallenge,
          { tokenHash, usedAt: null, expiresAt: { $gt: now }, attempts: { $lt: maxAttempts } },
          { fields: ['user', 'attempts'], disableIdentityMap: true },
        );
        if (!challenge) return null;
        const updated = await em().nativeUpdate(
          MfaChallenge,
          { tokenHash, usedAt: null, expiresAt: { $gt: now }, attempts: challenge.attempts },
          { attempts: challenge.attempts + 1 },
        );
        if (updated === 1) return challenge.user;
      }
      return null;
    },

    async consumeChallenge({ tokenHash, now }) {
      const updated = await em().nativeUpdate(
        MfaChallenge,
        { tokenHash, usedAt: null, expiresAt: { $gt: now } },
        { usedAt: now },
      );
      return updated === 1;
    },

    purgeExpiredChallenges: (now, limit) =>
      deleteBatch(em(), MfaChallenge, 'tokenHash', { expiresAt: { $lt: now } }, limit),
  };
}
