/**
 * MikroORM implementations of the repository ports, one set per forked EntityManager.
 * Writes that must be atomic under concurrency (rotation, single-use tokens) are single
 * conditional UPDATEs, so they hold on SQLite and PostgreSQL across any number of instances.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { TokenDenylist, User } from '../entities/index.js';
import { AuthError } from '../errors.js';
import { type ActiveUserQuery, type ActiveUserRow, ormActiveUserQuery } from './active-user-query.js';
import { createEmailTokenRepository } from './email-token-repository.js';
import { createMfaRepository } from './mfa-repository.js';
import { createOutboxRepository } from './outbox.js';
import { deleteBatch } from './rows.js';
import { createSecurityEventRepository } from './security-events.js';
import { createSessionRepository } from './session-repository.js';
import type {
  EmailTokenRepository,
  MfaRepository,
  OutboxRepository,
  Repositories,
  SecurityEventRepository,
  UserRecord,
} from './types.js';

const userFields = ['id', 'email', 'emailVerified', 'mfaEnabledAt', 'createdAt', 'updatedAt'] as const;

function toUserRecord(user: Pick<User, (typeof userFields)[number]>): UserRecord {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    mfaEnabled: user.mfaEnabledAt != null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/**
 * Repositories over one unit of work. The EntityManager is forked on first use, so a call
 * that needs only the hot-path read never pays for a fork. `activeUsers` is that read
 * (`openActiveUserRead`, opened once by the core); without it, the read goes through the ORM.
 */
export function createRepositories(root: EntityManager, activeUsers?: ActiveUserQuery): Repositories {
  let forked: EntityManager | undefined;
  const em = () => {
    forked ??= root.fork();
    return forked;
  };
  return buildRepositories(em, activeUsers ?? ormActiveUserQuery(root), (work) => runTransaction(root, work), runNow);
}

/** Outside a transaction every write is durable once it returns. */
const runNow = (callback: () => void) => callback();

/**
 * One transaction on a fresh fork bound to it. Driven through the connection, not
 * `em.transactional()`: that runs the callback inside an AsyncLocalStorage, and the first one
 * switches on Node's async hooks for the life of the process (see `users.create`). Every
 * query of these repositories passes the fork's transaction context explicitly instead.
 */
async function runTransaction<T>(root: EntityManager, work: (tx: Repositories) => Promise<T>): Promise<T> {
  const fork = root.fork();
  const committed: (() => void)[] = [];
  const result = await fork.getConnection('write').transactional(async (context) => {
    fork.setTransactionContext(context);
    // The hot-path read has a connection of its own; inside a transaction it must see the
    // transaction's writes (and, on a pool of one, not wait for its connection).
    const findActiveUserRow = ormActiveUserQuery(fork, context);
    const tx: Repositories = buildRepositories(
      () => fork,
      findActiveUserRow,
      (inner) => inner(tx),
      (callback) => committed.push(callback),
    );
    return work(tx);
  });
  for (const callback of committed) callback();
  return result;
}

function buildRepositories(
  em: () => EntityManager,
  findActiveUserRow: (sessionId: string, accessJti: string, now: Date) => Promise<ActiveUserRow | undefined>,
  transaction: Repositories['transaction'],
  afterCommit: Repositories['afterCommit'],
): Repositories {
  // Made on first use: most calls never queue mail, nor touch emailed tokens or the second factor.
  let outbox: OutboxRepository | undefined;
  let mfa: MfaRepository | undefined;
  let securityEvents: SecurityEventRepository | undefined;
  let emailTokens: EmailTokenRepository | undefined;
  return {
    transaction,
    afterCommit,
    get outbox() {
      outbox ??= createOutboxRepository(em);
      return outbox;
    },
    get mfa() {
      mfa ??= createMfaRepository(em);
      return mfa;
    },
    get securityEvents() {
      securityEvents ??= createSecurityEventRepository(em);
      return securityEvents;
    },
    users: {
      async create({ email, passwordHash, now }) {
        const user = {
          id: randomUUID(),
          email,
          passwordHash,
          emailVerified: false,
          mfaEnabledAt: null,
          createdAt: now,
          updatedAt: now,
        };
        try {
          // A plain insert, not persist + flush: MikroORM's flush runs inside an
          // AsyncLocalStorage, and the first one switches on Node's async hooks for the
          // life of the process, which then taxes every promise of every request.
          await em().insert(User, user);
        } catch (error) {
          if (error instanceof UniqueConstraintViolationException) throw new AuthError('EMAIL_TAKEN');
          throw error;
        }
        return toUserRecord(user);
      },
      async findById(id) {
        const user = await em().findOne(User, { id }, { fields: userFields, disableIdentityMap: true });
        return user && toUserRecord(user);
      },
      async findByEmail(email) {
        const user = await em().findOne(User, { email }, { fields: userFields, disableIdentityMap: true });
        return user && toUserRecord(user);
      },
      async findAccount(where) {
        const user = await em().findOne(User, where, {
          fields: [...userFields, 'disabledAt'],
          disableIdentityMap: true,
        });
        return user && { user: toUserRecord(user), disabled: Boolean(user.disabledAt) };
      },
      async findCredentials(email) {
        const user = await em().findOne(
          User,
          { email },
          { fields: [...userFields, 'passwordHash', 'disabledAt'], disableIdentityMap: true },
        );
        return (
          user && { user: toUserRecord(user), passwordHash: user.passwordHash, disabled: Boolean(user.disabledAt) }
        );
      },
      async findPasswordHash(id) {
        const user = await em().findOne(User, { id }, { fields: ['passwordHash'], disableIdentityMap: true });
        return user?.passwordHash ?? null;
      },
      async updatePasswordHash(id, passwordHash, now) {
        await em().nativeUpdate(User, { id }, { passwordHash, updatedAt: now });
      },
      async delete(id) {
        return (await em().nativeDelete(User, { id })) > 0;
      },
      async setEmailChangeRequest(id, requestId, now) {
        await em().nativeUpdate(User, { id }, { emailChangeRequestId: requestId, updatedAt: now });
      },
      async holdEmailChangeRequest(id, requestId) {
        // Writes the value it checks: a write takes the row's lock (PostgreSQL) or the
        // database's (SQLite) for the rest of the transaction.
        const held = await em().nativeUpdate(
          User,
          { id, emailChangeRequestId: requestId },
          { emailChangeRequestId: requestId },
        );
        return held === 1;
      },
      async changeEmail({ id, from, to, requestId, now }) {
        let changed: number;
        try {
          changed = await em().nativeUpdate(
            User,
            { id, email: from, emailChangeRequestId: requestId, disabledAt: null },
            { email: to, emailVerified: true, emailChangeRequestId: null, updatedAt: now },
          );
        } catch (error) {
          if (error instanceof UniqueConstraintViolationException) throw new AuthError('EMAIL_TAKEN');
          throw error;
        }
        if (changed !== 1) return null;
        const user = await em().findOne(User, { id }, { fields: userFields, disableIdentityMap: true });
        return user && toUserRecord(user);
      },
      async markEmailVerified(id, now) {
        await em().nativeUpdate(User, { id, emailVerified: false }, { emailVerified: true, updatedAt: now });
        const user = await em().findOne(User, { id }, { fields: userFields, disableIdentityMap: true });
        return user && toUserRecord(user);
      },
    },

    sessions: createSessionRepository(em, findActiveUserRow),

    denylist: {
      async add(jti, expiresAt) {
        await em().upsert(TokenDenylist, { jti, expiresAt });
      },
      purgeExpired: (now, limit) => deleteBatch(em(), TokenDenylist, 'jti', { expiresAt: { $lt: now } }, limit),
    },

    get emailTokens() {
      emailTokens ??= createEmailTokenRepository(em);
      return emailTokens;
    },
  };
}

export type { Repositories } from './types.js';
