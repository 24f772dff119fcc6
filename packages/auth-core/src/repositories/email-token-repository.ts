/**
 * Emailed single-use tokens on MikroORM, stored only as hashes. Spending one is a single
 * conditional UPDATE, so of concurrent uses exactly one wins on SQLite and PostgreSQL alike.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { EmailToken } from '../entities/index.js';
import { deleteBatch } from './rows.js';
import type { EmailTokenRepository } from './types.js';

/** A token as `create` first writes it: unused. Shared with the memory fake. */
export function newEmailToken(input: Parameters<EmailTokenRepository['create']>[0]) {
  const { tokenHash, userId, purpose, now, expiresAt, newEmail = null, changeRequestId = null } = input;
  return {
    tokenHash,
    userId,
    purpose,
    newEmail,
    changeRequestId,
    createdAt: now,
    expiresAt,
    usedAt: null as Date | null,
  };
}

export function createEmailTokenRepository(em: () => EntityManager): EmailTokenRepository {
  return {
    async create(input) {
      const { userId, ...token } = newEmailToken(input);
      await em().insert(EmailToken, { ...token, user: userId });
    },
    async findValid({ tokenHash, purpose, now }) {
      const token = await em().findOne(
        EmailToken,
        { tokenHash, purpose, usedAt: null, expiresAt: { $gt: now } },
        { disableIdentityMap: true },
      );
      return (
        token && {
          userId: token.user,
          newEmail: token.newEmail ?? null,
          changeRequestId: token.changeRequestId ?? null,
        }
      );
    },
    async consume({ tokenHash, purpose, now }) {
      const updated = await em().nativeUpdate(
        EmailToken,
        { tokenHash, purpose, usedAt: null, expiresAt: { $gt: now } },
        { usedAt: now },
      );
      return updated === 1;
    },
    async invalidateAll(userId, purpose, now) {
      await em().nativeUpdate(EmailToken, { user: userId, purpose, usedAt: null }, { usedAt: now });
    },
    purgeExpired: (now, limit) => deleteBatch(em(), EmailToken, 'tokenHash', { expiresAt: { $lt: now } }, limit),
  };
}
