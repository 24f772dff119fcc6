/**
 * The MikroORM repositories on real databases, SQLite and PostgreSQL: the conditional
 * writes that must hold under concurrency, the hot-path read, and bounded purges.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../errors.js';
import { migrate, type Orm, openOrm } from '../orm.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/database.js';
import { type ActiveUserRead, openActiveUserRead } from './active-user-query.js';
import { createRepositories } from './index.js';
import type { EmailTokenPurpose, Repositories } from './types.js';

const minutes = (count: number) => count * 60_000;

describe.each(await testDialects())('repositories on %s', (dialect) => {
  let database: TestDatabase;
  let orm: Orm;
  /** The authenticated check's read, as the core opens it. */
  let activeUsers: ActiveUserRead;
  /** Repositories on their own EntityManager fork, as each procedure call gets them. */
  const repositories = (): Repositories => createRepositories(orm.em.fork() as EntityManager, activeUsers);
  const now = new Date('2026-03-01T12:00:00.000Z');
  let emailCounter = 0;

  async function createUser() {
    return repositories().users.create({
      email: `user${++emailCounter}@example.com`,
      passwordHash: '$kw1$not-a-real-hash',
      now,
    });
  }

  async function createSession(userId: string, overrides: { expiresAt?: Date } = {}) {
    const session = { id: randomUUID(), refreshJti: randomUUID() };
    await repositories().sessions.create({
      ...session,
      userId,
      now,
      expiresAt: overrides.expiresAt ?? new Date(now.getTime() + minutes(60)),
      userAgent: null,
      ip: null,
    });
    return session;
  }

  async function count(table: string): Promise<number> {
    const [row] = await orm.em
      .getConnection()
      .execute<{ count: string | number }[]>(`select count(*) as count from ${table}`);
    return Number(row?.count);
  }

  beforeAll(async () => {
    // A file, so SQLite runs as in production: WAL and a pool of several connections.
    database = await createTestDatabase(dialect, { file: true });
    orm = await openOrm({ databaseUrl: database.url });
    await migrate(orm);
    activeUsers = openActiveUserRead(orm.em as EntityManager);
  });

  afterAll(async () => {
    activeUsers?.close();
    await orm.close(true);
    await database.drop();
  });

  describe('users', () => {
    it('finds a user by id and by email, without the password hash', async () => {
      const user = await createUser();
      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: user.email,
        emailVerified: false,
        mfaEnabled: false,
        createdAt: now,
        updatedAt: now,
      });
      expect(await repositories().users.findById(user.id)).toEqual(user);
      expect(await repositories().users.findByEmail(user.email)).toEqual(user);
      expect(await repositories().users.findByEmail('nobody@example.com')).toBeNull();
      expect(await repositories().users.findById(randomUUID())).toBeNull();
      expect(await repositories().users.findPasswordHash(user.id)).toBe('$kw1$not-a-real-hash');
    });

    it('reads a user and its password hash together for a login', async () => {
      const user = await createUser();
      expect(await repositories().users.findCredentials(user.email)).toEqual({
        user,
        passwordHash: '$kw1$not-a-real-hash',
        disabled: false,
      });
      expect(await repositories().users.findCredentials('nobody@example.com')).toBeNull();
    });

    it('refuses a second account with the same email, even when both race', async () => {
      const attempts = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          repositories().users.create({ email: 'race@example.com', passwordHash: '$kw1$x', now }),
        ),
      );
      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      for (const attempt of attempts) {
        if (attempt.status === 'rejected')
          expect(isAuthError(attempt.reason) && attempt.reason.code).toBe('EMAIL_TAKEN');
      }
    });

    it('updates the password hash and marks the email verified', async () => {
      const user = await createUser();
      const later = new Date(now.getTime() + minutes(5));
      await repositories().users.updatePasswordHash(user.id, '$kw1$new', later);
      expect(await repositories().users.findPasswordHash(user.id)).toBe('$kw1$new');
      expect((await repositories().users.findById(user.id))?.updatedAt).toEqual(later);

      const verified = await repositories().users.markEmailVerified(user.id, new Date(later.getTime() + 1000));
      expect(verified).toMatchObject({ emailVerified: true, updatedAt: new Date(later.getTime() + 1000) });
      // A second verification changes nothing.
      const again = await repositories().users.markEmailVerified(user.id, new Date(later.getTime() + 5000));
      expect(again?.updatedAt).toEqual(new Date(later.getTime() + 1000));
      expect(await repositories().users.markEmailVerified(randomUUID(), later)).toBeNull();
    });

    it('changes the email only for the pending request (compare-and-set), verified, and refuses a taken one', async () => {
      const user = await createUser();
      const other = await createUser();
      const later = new Date(now.getTime() + minutes(5));
      const [requestId, staleId] = [randomUUID(), randomUUID()];
      await repositories().users.setEmailChangeRequest(user.id, staleId, later);
      await repositories().users.setEmailChangeRequest(user.id, requestId, later);
      expect(await repositories().users.holdEmailChangeRequest(user.id, staleId)).toBe(false);
      expect(await repositories().users.holdEmailChangeRequest(user.id, requestId)).toBe(true);
      const change = { id: user.id, from: user.email, to: 'moved@example.com', now: later };
      expect(await repositories().users.changeEmail({ ...change, requestId: staleId })).toBeNull();
      const taken = { ...change, to: other.email, requestId };
      const attempt = repositories().transaction((tx) => tx.users.changeEmail(taken));
      await expect(attempt).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
      expect(await repositories().users.changeEmail({ ...change, requestId })).toMatchObject({
        id: user.id,
        email: 'moved@example.com',
        emailVerified: true,
        updatedAt: later,
      });
      // The change ended the request: the same one cannot move the account again.
      expect(await repositories().users.changeEmail({ ...change, from: 'moved@example.com', requestId })).toBeNull();
      expect(await repositories().users.holdEmailChangeRequest(user.id, requestId)).toBe(false);
      expect(await repositories().users.changeEmail({ ...change, id: randomUUID(), requestId })).toBeNull();
      expect(await repositories().users.isDisabled(user.id)).toBe(false);
    });
  });

  describe('sessions', () => {
    it('lets exactly one of ten concurrent rotations of one refresh jti win', async () => {
      const user = await createUser();
      const session = await createSession(user.id);
      const contenders = Array.from({ length: 10 }, () => randomUUID());
      const results = await Promise.all(
        contenders.map((nextJti) =>
          repositories().sessions.rotate({ id: session.id, presentedJti: session.refreshJti, nextJti, now }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = contenders[results.indexOf(true)] ?? '';
      // The swap keeps the jti it replaced and when, for the grace window.
      expect(await repositories().sessions.findById(session.id)).toMatchObject({
        currentRefreshJti: winner,
        previousRefreshJti: session.refreshJti,
        rotatedAt: now,
      });
      // The winner's jti is the current one: it rotates, the presented one no longer does.
      expect(
        await repositories().sessions.rotate({ id: session.id, presentedJti: winner, nextJti: randomUUID(), now }),
      ).toBe(true);
      expect(
        await repositories().sessions.rotate({
          id: session.id,
          presentedJti: session.refreshJti,
          nextJti: randomUUID(),
          now,
        }),
      ).toBe(false);
    });

    it('does not rotate a revoked, expired or unknown session', async () => {
      const user = await createUser();
      const revoked = await createSession(user.id);
      await repositories().sessions.revoke(revoked.id, now);
      const expired = await createSession(user.id, { expiresAt: new Date(now.getTime() + minutes(1)) });
      const rotate = (session: { id: string; refreshJti: string }, at: Date) =>
        repositories().sessions.rotate({
          id: session.id,
          presentedJti: session.refreshJti,
          nextJti: randomUUID(),
          now: at,
        });

      expect(await rotate(revoked, now)).toBe(false);
      expect(await rotate(expired, new Date(now.getTime() + minutes(1)))).toBe(false);
      expect(await rotate({ id: randomUUID(), refreshJti: randomUUID() }, now)).toBe(false);
    });

    it('keeps the session’s absolute expiry when rotating', async () => {
      const user = await createUser();
      const expiresAt = new Date(now.getTime() + minutes(60));
      const session = await createSession(user.id, { expiresAt });
      const later = new Date(now.getTime() + minutes(30));
      await repositories().sessions.rotate({
        id: session.id,
        presentedJti: session.refreshJti,
        nextJti: randomUUID(),
        now: later,
      });
      expect((await repositories().sessions.findById(session.id))?.expiresAt).toEqual(expiresAt);
    });

    it('answers the hot-path check: live session and undenied token only', async () => {
      const user = await createUser();
      const session = await createSession(user.id);
      const accessJti = randomUUID();
      const active = (at = now) =>
        repositories().sessions.findActiveUser({ sessionId: session.id, accessJti, now: at });

      // The user comes back whole from the same read, with the types each driver gives normalised.
      expect(await active()).toEqual(user);
      // The session's absolute expiry is checked in the same read.
      const expiresAt = new Date(now.getTime() + minutes(60));
      expect(await active(new Date(expiresAt.getTime() - 1000))).toEqual(user);
      expect(await active(expiresAt)).toBeNull();
      expect(await repositories().sessions.findActiveUser({ sessionId: randomUUID(), accessJti, now })).toBeNull();
      await repositories().denylist.add(accessJti, new Date(now.getTime() + minutes(15)));
      expect(await active()).toBeNull();
      // Denying twice is harmless (logout retried by a client).
      await repositories().denylist.add(accessJti, new Date(now.getTime() + minutes(15)));

      const other = await createSession(user.id);
      await repositories().sessions.revoke(other.id, now);
      expect(
        await repositories().sessions.findActiveUser({ sessionId: other.id, accessJti: randomUUID(), now }),
      ).toBeNull();
    });

    it('leaves no read open behind the hot-path check: writes on any pooled connection go through', async () => {
      // A statement left mid-result holds a read transaction on its connection: that
      // connection's next write then fails with SQLITE_BUSY and its reads are stale.
      const user = await createUser();
      const sessions = await Promise.all(Array.from({ length: 8 }, () => createSession(user.id)));
      for (let round = 0; round < 3; round += 1) {
        const found = await Promise.all(
          sessions.map((session) =>
            repositories().sessions.findActiveUser({ sessionId: session.id, accessJti: randomUUID(), now }),
          ),
        );
        expect(found.every((row) => row?.id === user.id)).toBe(true);
        const rotated = await Promise.all(
          sessions.map(async (session) => {
            const nextJti = randomUUID();
            const swapped = await repositories().sessions.rotate({
              id: session.id,
              presentedJti: session.refreshJti,
              nextJti,
              now,
            });
            session.refreshJti = nextJti;
            return swapped;
          }),
        );
        expect(rotated.every(Boolean)).toBe(true);
      }
      await Promise.all(sessions.map((session) => repositories().sessions.revoke(session.id, now)));
      const after = await Promise.all(
        sessions.map((session) =>
          repositories().sessions.findActiveUser({ sessionId: session.id, accessJti: randomUUID(), now }),
        ),
      );
      expect(after).toEqual(sessions.map(() => null));
    });

    it('revokes all of a user’s sessions but the one kept, and no one else’s', async () => {
      const [ada, grace] = [await createUser(), await createUser()];
      const [kept, second, third] = [
        await createSession(ada.id),
        await createSession(ada.id),
        await createSession(ada.id),
      ];
      const graces = await createSession(grace.id);
      await repositories().sessions.revokeAllForUser(ada.id, now, { exceptSessionId: kept.id });

      const revokedAt = async (id: string) => (await repositories().sessions.findById(id))?.revokedAt ?? null;
      expect(await revokedAt(kept.id)).toBeNull();
      expect(await revokedAt(second.id)).toEqual(now);
      expect(await revokedAt(third.id)).toEqual(now);
      expect(await revokedAt(graces.id)).toBeNull();

      await repositories().sessions.revokeAllForUser(ada.id, new Date(now.getTime() + 1000));
      expect(await revokedAt(kept.id)).toEqual(new Date(now.getTime() + 1000));
      expect(await revokedAt(second.id)).toEqual(now); // the first revocation time stays
    });
  });

  describe('emailed tokens', () => {
    const tokenHash = () => randomUUID().replaceAll('-', '').padEnd(64, '0');

    it('are consumed by exactly one of ten concurrent attempts', async () => {
      const user = await createUser();
      const hash = tokenHash();
      await repositories().emailTokens.create({
        tokenHash: hash,
        userId: user.id,
        purpose: 'reset',
        now,
        expiresAt: new Date(now.getTime() + minutes(60)),
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          repositories().emailTokens.consume({ tokenHash: hash, purpose: 'reset', now }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repositories().emailTokens.findValid({ tokenHash: hash, purpose: 'reset', now })).toBeNull();
    });

    it('are valid only for their purpose and until they expire', async () => {
      const user = await createUser();
      const hash = tokenHash();
      const expiresAt = new Date(now.getTime() + minutes(60));
      await repositories().emailTokens.create({ tokenHash: hash, userId: user.id, purpose: 'verify', now, expiresAt });
      const lookup = async (purpose: EmailTokenPurpose, at: Date) =>
        (await repositories().emailTokens.findValid({ tokenHash: hash, purpose, now: at }))?.userId ?? null;

      expect(await lookup('verify', new Date(expiresAt.getTime() - 1))).toBe(user.id);
      expect(await lookup('email-change', now)).toBeNull();
      expect(await lookup('reset', now)).toBeNull();
      expect(await lookup('verify', expiresAt)).toBeNull();
      expect(await repositories().emailTokens.consume({ tokenHash: hash, purpose: 'verify', now: expiresAt })).toBe(
        false,
      );
      expect(await repositories().emailTokens.consume({ tokenHash: hash, purpose: 'reset', now })).toBe(false);
      expect(await repositories().emailTokens.consume({ tokenHash: hash, purpose: 'verify', now })).toBe(true);
    });

    it('of an email change carry the address they confirm and their request', async () => {
      const user = await createUser();
      const hash = tokenHash();
      const expiresAt = new Date(now.getTime() + minutes(60));
      const changeRequestId = randomUUID();
      await repositories().emailTokens.create({
        tokenHash: hash,
        userId: user.id,
        purpose: 'email-change',
        newEmail: 'ada.new@example.com',
        changeRequestId,
        now,
        expiresAt,
      });
      expect(await repositories().emailTokens.findValid({ tokenHash: hash, purpose: 'email-change', now })).toEqual({
        userId: user.id,
        newEmail: 'ada.new@example.com',
        changeRequestId,
      });
    });

    it('are all invalidated for one user and purpose at once', async () => {
      const user = await createUser();
      const expiresAt = new Date(now.getTime() + minutes(60));
      const [reset1, reset2, verify] = [tokenHash(), tokenHash(), tokenHash()];
      for (const [hash, purpose] of [
        [reset1, 'reset'],
        [reset2, 'reset'],
        [verify, 'verify'],
      ] as const) {
        await repositories().emailTokens.create({ tokenHash: hash, userId: user.id, purpose, now, expiresAt });
      }
      await repositories().emailTokens.invalidateAll(user.id, 'reset', now);
      const valid = async (hash: string, purpose: 'reset' | 'verify') =>
        (await repositories().emailTokens.findValid({ tokenHash: hash, purpose, now }))?.userId ?? null;
      expect(await valid(reset1, 'reset')).toBeNull();
      expect(await valid(reset2, 'reset')).toBeNull();
      expect(await valid(verify, 'verify')).toBe(user.id);
    });
  });

  describe('purges', () => {
    it('delete at most `limit` expired rows per call and never a live one', async () => {
      const live = new Date(now.getTime() + minutes(15));
      for (let index = 0; index < 12; index++) {
        await repositories().denylist.add(randomUUID(), new Date(now.getTime() - minutes(index + 1)));
      }
      const liveJti = randomUUID();
      await repositories().denylist.add(liveJti, live);
      const before = await count('token_denylist');

      expect(await repositories().denylist.purgeExpired(now, 5)).toBe(5);
      expect(await repositories().denylist.purgeExpired(now, 5)).toBe(5);
      expect(await repositories().denylist.purgeExpired(now, 5)).toBe(2);
      expect(await repositories().denylist.purgeExpired(now, 5)).toBe(0);
      expect(await count('token_denylist')).toBe(before - 12);

      const user = await createUser();
      const session = await createSession(user.id);
      expect(
        await repositories().sessions.findActiveUser({ sessionId: session.id, accessJti: liveJti, now }),
      ).toBeNull();
    });
  });
});
