/**
 * The session repository and the denylist on real databases, SQLite and PostgreSQL: the
 * refresh rotation's compare-and-set under concurrency, the hot-path read, revocation, and
 * bounded purges. Users and emailed tokens: repositories.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testDialects } from '../testing/database.js';
import { minutes, repositoriesOnTestDatabase } from '../testing/repository-database.js';

describe.each(await testDialects())('repositories on %s', (dialect) => {
  const { now, repositories, createUser, createSession, count } = repositoriesOnTestDatabase(dialect);

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
