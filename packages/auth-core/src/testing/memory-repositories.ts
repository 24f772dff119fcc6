/**
 * In-memory fakes of the repository ports, for service unit tests: small enough to read
 * at a glance, with the same observable contract as the MikroORM repositories (the
 * compare-and-set writes included). The real repositories are tested on real databases;
 * these exist so a service's own logic can be tested without one.
 */
import { AuthError } from '../errors.js';
import { newEmailToken } from '../repositories/email-token-repository.js';
import { newSession } from '../repositories/session-repository.js';
import type { Repositories, SecurityEventRecord, UserRecord } from '../repositories/types.js';
import { createMemoryMfaRepository } from './memory-mfa-repository.js';
import { createMemoryOutboxRepository, type MemoryOutboxMessage } from './memory-outbox-repository.js';
import { purgeRows } from './memory-rows.js';

/** A session row, as the real repository's `create` writes it. */
export type MemorySession = ReturnType<typeof newSession>;

/** An emailed token's row, as the real repository's `create` writes it. */
export type MemoryEmailToken = ReturnType<typeof newEmailToken>;

/** A user row: the record, and what only the repository sees. */
type StoredUser = UserRecord & { passwordHash: string; emailChangeRequestId: string | null; disabled: boolean };

export function createMemoryRepositories() {
  const users = new Map<string, StoredUser>();
  const sessions = new Map<string, MemorySession>();
  const denylist = new Map<string, Date>();
  const emailTokens = new Map<string, MemoryEmailToken>();
  const outbox = new Map<string, MemoryOutboxMessage>();
  const securityEvents = new Map<string, SecurityEventRecord & { userId: string | null }>();
  let nextUserId = 1;

  const record = ({ passwordHash: _, emailChangeRequestId: __, disabled: ___, ...user }: StoredUser): UserRecord => ({
    ...user,
  });

  /** Every map of stored rows: what a transaction snapshots and restores on failure. */
  const memoryMfa = createMemoryMfaRepository(users);
  const tables: Map<string, unknown>[] = [
    users,
    sessions,
    denylist,
    emailTokens,
    outbox,
    securityEvents,
    ...memoryMfa.tables,
  ];
  let inTransaction = false;
  let committed: (() => void)[] = [];

  /** The user's sessions that are neither revoked nor expired. */
  const live = (userId: string, now: Date) =>
    [...sessions.values()].filter(
      (session) => session.userId === userId && !session.revokedAt && session.expiresAt > now,
    );

  const repositories: Repositories = {
    /**
     * All or nothing like the database's: a snapshot of every row is restored when `work`
     * throws. Calls are not isolated from each other (no concurrent transactions in a unit
     * test); a nested call joins the running one.
     */
    async transaction(work) {
      if (inTransaction) return work(repositories);
      const snapshot = tables.map((table) => structuredClone(table));
      inTransaction = true;
      committed = [];
      try {
        const result = await work(repositories);
        inTransaction = false;
        for (const callback of committed) callback();
        return result;
      } catch (error) {
        tables.forEach((table, index) => {
          table.clear();
          for (const [key, value] of snapshot[index] ?? []) table.set(key, value);
        });
        throw error;
      } finally {
        inTransaction = false;
      }
    },

    afterCommit(callback) {
      if (inTransaction) committed.push(callback);
      else callback();
    },

    mfa: memoryMfa.mfa,

    securityEvents: {
      async record(event) {
        securityEvents.set(String(securityEvents.size + 1), { ...event });
      },
      async listForUser(userId, limit) {
        return [...securityEvents.values()]
          .filter((event) => event.userId === userId)
          .reverse()
          .sort((a, b) => b.at.getTime() - a.at.getTime())
          .slice(0, limit)
          .map(({ userId: _, ...event }) => event);
      },
      purgeBefore: (before, limit) => purgeRows(securityEvents, (event) => event.at < before, limit),
    },

    users: {
      async create({ email, passwordHash, now }) {
        if ([...users.values()].some((user) => user.email === email)) throw new AuthError('EMAIL_TAKEN');
        const user = {
          id: `00000000-0000-4000-8000-${String(nextUserId++).padStart(12, '0')}`,
          email,
          passwordHash,
          emailVerified: false,
          mfaEnabled: false,
          createdAt: now,
          updatedAt: now,
          emailChangeRequestId: null,
          disabled: false,
        };
        users.set(user.id, user);
        return record(user);
      },
      findById: async (id) => {
        const user = users.get(id);
        return user ? record(user) : null;
      },
      findByEmail: async (email) => {
        const user = [...users.values()].find((candidate) => candidate.email === email);
        return user ? record(user) : null;
      },
      findAccount: async (where) => {
        const user =
          'id' in where
            ? users.get(where.id)
            : [...users.values()].find((candidate) => candidate.email === where.email);
        return user ? { user: record(user), disabled: user.disabled } : null;
      },
      findCredentials: async (email) => {
        const user = [...users.values()].find((candidate) => candidate.email === email);
        return user ? { user: record(user), passwordHash: user.passwordHash, disabled: user.disabled } : null;
      },
      findPasswordHash: async (id) => users.get(id)?.passwordHash ?? null,
      async updatePasswordHash(id, passwordHash, now) {
        const user = users.get(id);
        if (user) Object.assign(user, { passwordHash, updatedAt: now });
      },
      async delete(id) {
        // The database cascades to the rows that belong to the user; so does the fake.
        for (const [key, session] of sessions) if (session.userId === id) sessions.delete(key);
        for (const [key, token] of emailTokens) if (token.userId === id) emailTokens.delete(key);
        for (const [key, event] of securityEvents) if (event.userId === id) securityEvents.delete(key);
        return users.delete(id);
      },
      async setEmailChangeRequest(id, requestId, now) {
        const user = users.get(id);
        if (user) Object.assign(user, { emailChangeRequestId: requestId, updatedAt: now });
      },
      holdEmailChangeRequest: async (id, requestId) => users.get(id)?.emailChangeRequestId === requestId,
      async changeEmail({ id, from, to, requestId, now }) {
        const user = users.get(id);
        if (!user || user.email !== from || user.emailChangeRequestId !== requestId || user.disabled) return null;
        if ([...users.values()].some((other) => other.email === to && other.id !== id)) {
          throw new AuthError('EMAIL_TAKEN');
        }
        Object.assign(user, { email: to, emailVerified: true, emailChangeRequestId: null, updatedAt: now });
        return record(user);
      },
      async markEmailVerified(id, now) {
        const user = users.get(id);
        if (!user) return null;
        if (!user.emailVerified) Object.assign(user, { emailVerified: true, updatedAt: now });
        return record(user);
      },
    },

    sessions: {
      async create(input) {
        sessions.set(input.id, newSession(input));
      },
      async findById(id) {
        const session = sessions.get(id);
        if (!session) return null;
        const { id: _, userId, expiresAt, revokedAt, currentRefreshJti, previousRefreshJti, rotatedAt } = session;
        return { id, userId, expiresAt, revokedAt, currentRefreshJti, previousRefreshJti, rotatedAt };
      },
      async rotate({ id, presentedJti, nextJti, now }) {
        const session = sessions.get(id);
        if (!session || session.currentRefreshJti !== presentedJti || session.revokedAt || session.expiresAt <= now) {
          return false;
        }
        Object.assign(session, {
          currentRefreshJti: nextJti,
          previousRefreshJti: presentedJti,
          rotatedAt: now,
          lastUsedAt: now,
        });
        return true;
      },
      async revoke(id, now) {
        const session = sessions.get(id);
        if (session && !session.revokedAt) session.revokedAt = now;
      },
      async revokeLive({ id, userId, now }) {
        const session = sessions.get(id);
        if (session?.userId !== userId || session.revokedAt || session.expiresAt <= now) return false;
        session.revokedAt = now;
        return true;
      },
      async revokeAllForUser(userId, now, { exceptSessionId } = {}) {
        let revoked = 0;
        for (const session of live(userId, now)) {
          if (session.id === exceptSessionId) continue;
          session.revokedAt = now;
          revoked++;
        }
        return revoked;
      },
      async listLive(userId, now) {
        return live(userId, now)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id))
          .map(({ id, createdAt, lastUsedAt, expiresAt, userAgent, ip }) => ({
            id,
            createdAt,
            lastUsedAt,
            expiresAt,
            userAgent,
            ip,
          }));
      },
      async findActiveUser({ sessionId, accessJti, now }) {
        const session = sessions.get(sessionId);
        const open = session && !session.revokedAt && session.expiresAt > now;
        const user = open && !denylist.has(accessJti) && users.get(session.userId);
        // As the SQL read: a disabled account's tokens are refused at once.
        return user && !user.disabled ? record(user) : null;
      },
      purgeExpired: (before, limit) =>
        purgeRows(
          sessions,
          (session) => session.expiresAt < before || (session.revokedAt !== null && session.revokedAt < before),
          limit,
        ),
    },

    denylist: {
      async add(jti, expiresAt) {
        denylist.set(jti, expiresAt);
      },
      purgeExpired: (now, limit) => purgeRows(denylist, (expiresAt) => expiresAt < now, limit),
    },

    emailTokens: {
      async create(input) {
        emailTokens.set(input.tokenHash, newEmailToken(input));
      },
      async findValid({ tokenHash, purpose, now }) {
        const token = emailTokens.get(tokenHash);
        return token && token.purpose === purpose && !token.usedAt && token.expiresAt > now
          ? { userId: token.userId, newEmail: token.newEmail, changeRequestId: token.changeRequestId }
          : null;
      },
      async consume({ tokenHash, purpose, now }) {
        const token = emailTokens.get(tokenHash);
        if (!token || token.purpose !== purpose || token.usedAt || token.expiresAt <= now) return false;
        token.usedAt = now;
        return true;
      },
      async invalidateAll(userId, purpose, now) {
        for (const token of emailTokens.values()) {
          if (token.userId === userId && token.purpose === purpose && !token.usedAt) token.usedAt = now;
        }
      },
      purgeExpired: (now, limit) => purgeRows(emailTokens, (token) => token.expiresAt < now, limit),
    },

    outbox: createMemoryOutboxRepository(outbox),
  };

  /** The stored rows, for assertions on what a service wrote. */
  const state = { users, sessions, denylist, emailTokens, outbox, securityEvents };
  return { ...repositories, state };
}

export type MemoryRepositories = ReturnType<typeof createMemoryRepositories>;
