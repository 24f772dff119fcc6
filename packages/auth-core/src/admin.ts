/**
 * What an operator does to accounts from the admin CLI: list and look them up, disable and
 * enable them, end their sessions, delete them. Disabling takes effect at once everywhere:
 * every session is revoked, and the one read of every authenticated call refuses a disabled
 * user's tokens (`u.disabled_at is null`), so no instance can keep accepting them.
 */
import type { EntityManager } from '@mikro-orm/knex';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { Session, User } from './entities/index.js';
import type { Orm } from './orm.js';

export interface AccountSummary {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface AccountDetails extends AccountSummary {
  updatedAt: Date;
  /** Sessions neither revoked nor expired. */
  liveSessions: number;
}

const summaryFields = ['id', 'email', 'emailVerified', 'createdAt', 'disabledAt'] as const;

export function createAdmin(options: { orm: Orm; clock?: Clock }) {
  const clock = options.clock ?? systemClock;
  const em = () => (options.orm.em as EntityManager).fork();

  const summary = (user: Pick<User, (typeof summaryFields)[number]>): AccountSummary => ({
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt,
    disabledAt: user.disabledAt ?? null,
  });

  async function idOf(email: string): Promise<string | null> {
    const user = await em().findOne(User, { email }, { fields: ['id'], disableIdentityMap: true });
    return user?.id ?? null;
  }

  async function revokeSessions(userId: string): Promise<number> {
    return em().nativeUpdate(Session, { user: userId, revokedAt: null }, { revokedAt: clock.now() });
  }

  return {
    /** Newest first. */
    async listUsers(limit: number): Promise<AccountSummary[]> {
      const users = await em().find(
        User,
        {},
        { fields: summaryFields, orderBy: { createdAt: 'desc', id: 'asc' }, limit, disableIdentityMap: true },
      );
      return users.map(summary);
    },

    async showUser(email: string): Promise<AccountDetails | null> {
      const user = await em().findOne(
        User,
        { email },
        { fields: [...summaryFields, 'updatedAt'], disableIdentityMap: true },
      );
      if (!user) return null;
      const liveSessions = await em().count(Session, {
        user: user.id,
        revokedAt: null,
        expiresAt: { $gt: clock.now() },
      });
      return { ...summary(user), updatedAt: user.updatedAt, liveSessions };
    },

    /** Refuses logins and every token of the user from now on. False when there is no such user. */
    async disableUser(email: string): Promise<boolean> {
      const id = await idOf(email);
      if (!id) return false;
      const now = clock.now();
      await em().nativeUpdate(User, { id, disabledAt: null }, { disabledAt: now, updatedAt: now });
      await revokeSessions(id);
      return true;
    },

    /** Lets the user log in again (their old sessions stay ended). False when there is no such user. */
    async enableUser(email: string): Promise<boolean> {
      const id = await idOf(email);
      if (!id) return false;
      await em().nativeUpdate(User, { id }, { disabledAt: null, updatedAt: clock.now() });
      return true;
    },

    /** Ends every session of the user; the number ended, or null when there is no such user. */
    async revokeUserSessions(email: string): Promise<number | null> {
      const id = await idOf(email);
      return id ? revokeSessions(id) : null;
    },

    /** Deletes the user and, by cascade, every row that belongs to it. False when there is no such user. */
    async deleteUser(email: string): Promise<boolean> {
      return (await em().nativeDelete(User, { email })) > 0;
    },
  };
}

export type Admin = ReturnType<typeof createAdmin>;
