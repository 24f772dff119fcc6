/**
 * Login sessions on MikroORM. Rotation and revocation are single conditional UPDATEs, so of
 * concurrent refreshes with one token exactly one wins on SQLite and PostgreSQL alike.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { Session } from '../entities/index.js';
import type { ActiveUserRow } from './active-user-query.js';
import { deleteBatch, toDate } from './rows.js';
import type { SessionRepository, UserRecord } from './types.js';

/** A session as `create` first writes it: live, never rotated. Shared with the memory fake. */
export function newSession(input: Parameters<SessionRepository['create']>[0]) {
  const { id, userId, refreshJti, now, expiresAt, userAgent, ip } = input;
  return {
    id,
    userId,
    currentRefreshJti: refreshJti,
    previousRefreshJti: null as string | null,
    rotatedAt: null as Date | null,
    createdAt: now,
    lastUsedAt: now,
    expiresAt,
    revokedAt: null as Date | null,
    userAgent,
    ip,
  };
}

function fromUserRow(row: ActiveUserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    emailVerified: Boolean(row.emailVerified),
    mfaEnabled: Boolean(row.mfaEnabled),
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
}

/** The user of a live session whose access jti is not denied, by the hot-path read (`ActiveUserQuery`). */
export function activeUserFinder(
  findActiveUserRow: (sessionId: string, accessJti: string, now: Date) => Promise<ActiveUserRow | undefined>,
): SessionRepository['findActiveUser'] {
  return async ({ sessionId, accessJti, now }) => {
    const row = await findActiveUserRow(sessionId, accessJti, now);
    return row ? fromUserRow(row) : null;
  };
}

/** `findActiveUserRow` is the hot-path read (see `createRepositories`), not the EntityManager. */
export function createSessionRepository(
  em: () => EntityManager,
  findActiveUserRow: (sessionId: string, accessJti: string, now: Date) => Promise<ActiveUserRow | undefined>,
): SessionRepository {
  return {
    async create(input) {
      const { userId, ...session } = newSession(input);
      await em().insert(Session, { ...session, user: userId });
    },
    async findById(id) {
      const session = await em().findOne(Session, { id }, { disableIdentityMap: true });
      return (
        session && {
          id: session.id,
          userId: session.user,
          expiresAt: session.expiresAt,
          revokedAt: session.revokedAt ?? null,
          currentRefreshJti: session.currentRefreshJti,
          previousRefreshJti: session.previousRefreshJti ?? null,
          rotatedAt: session.rotatedAt ?? null,
        }
      );
    },
    async rotate({ id, presentedJti, nextJti, now }) {
      const updated = await em().nativeUpdate(
        Session,
        { id, currentRefreshJti: presentedJti, revokedAt: null, expiresAt: { $gt: now } },
        { currentRefreshJti: nextJti, previousRefreshJti: presentedJti, rotatedAt: now, lastUsedAt: now },
      );
      return updated === 1;
    },
    async revoke(id, now) {
      await em().nativeUpdate(Session, { id, revokedAt: null }, { revokedAt: now });
    },
    async revokeLive({ id, userId, now }) {
      const updated = await em().nativeUpdate(
        Session,
        { id, user: userId, revokedAt: null, expiresAt: { $gt: now } },
        { revokedAt: now },
      );
      return updated === 1;
    },
    revokeAllForUser: (userId, now, { exceptSessionId } = {}) =>
      em().nativeUpdate(
        Session,
        {
          user: userId,
          revokedAt: null,
          expiresAt: { $gt: now },
          ...(exceptSessionId ? { id: { $ne: exceptSessionId } } : {}),
        },
        { revokedAt: now },
      ),
    async listLive(userId, now) {
      const rows = await em().find(
        Session,
        { user: userId, revokedAt: null, expiresAt: { $gt: now } },
        {
          fields: ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'userAgent', 'ip'],
          orderBy: { createdAt: 'desc', id: 'asc' },
          disableIdentityMap: true,
        },
      );
      return rows.map(({ id, createdAt, lastUsedAt, expiresAt, userAgent, ip }) => ({
        id,
        createdAt,
        lastUsedAt,
        expiresAt,
        userAgent: userAgent ?? null,
        ip: ip ?? null,
      }));
    },
    findActiveUser: activeUserFinder(findActiveUserRow),
    purgeExpired: (before, limit) =>
      deleteBatch(
        em(),
        Session,
        'id',
        { $or: [{ expiresAt: { $lt: before } }, { revokedAt: { $lt: before } }] },
        limit,
      ),
  };
}
