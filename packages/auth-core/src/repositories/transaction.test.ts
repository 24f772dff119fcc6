/**
 * `repositories.transaction(...)`: writes of several repositories commit together or not at
 * all, on SQLite, PostgreSQL and the in-memory fakes alike (the fakes must keep the promise
 * the services rely on).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../errors.js';
import { migrate, type Orm, openOrm } from '../orm.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/database.js';
import { createMemoryRepositories } from '../testing/memory-repositories.js';
import { createRepositories } from './index.js';
import type { Repositories } from './types.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const later = new Date(now.getTime() + 3_600_000);
let counter = 0;
const newEmail = () => `tx${++counter}-${randomUUID().slice(0, 8)}@example.com`;

/** A user and its first session, the two writes of one change. */
async function createUserWithSession(tx: Repositories, email: string) {
  const user = await tx.users.create({ email, passwordHash: '$kw1$not-a-real-hash', now });
  const session = { id: randomUUID(), accessJti: randomUUID() };
  await tx.sessions.create({
    id: session.id,
    userId: user.id,
    refreshJti: randomUUID(),
    now,
    expiresAt: later,
    userAgent: null,
    ip: null,
  });
  return { user, session };
}

class Abort extends Error {}

type Target = 'memory' | Awaited<ReturnType<typeof testDialects>>[number];

describe.each<Target>(['memory', ...(await testDialects())])('repositories.transaction on %s', (target) => {
  let database: TestDatabase | undefined;
  let orm: Orm | undefined;
  const memory = createMemoryRepositories();
  /** A fresh set per call, as each procedure call gets them (the fakes share one store). */
  const repositories = (): Repositories =>
    orm ? createRepositories(orm.em.fork() as EntityManager) : (memory as Repositories);

  beforeAll(async () => {
    if (target === 'memory') return;
    // A file, so SQLite runs as in production: WAL and a pool of several connections.
    database = await createTestDatabase(target, { file: true });
    orm = await openOrm({ databaseUrl: database.url });
    await migrate(orm);
  });

  afterAll(async () => {
    await orm?.close(true);
    await database?.drop();
  });

  it('commits the writes of every repository together and returns what the work returns', async () => {
    const email = newEmail();
    const { user, session } = await repositories().transaction((tx) => createUserWithSession(tx, email));
    expect(await repositories().users.findByEmail(email)).toEqual(user);
    expect(await repositories().sessions.findById(session.id)).toMatchObject({ userId: user.id, revokedAt: null });
  });

  it('rolls back every write when the work throws, and rethrows', async () => {
    const email = newEmail();
    let sessionId = '';
    await expect(
      repositories().transaction(async (tx) => {
        sessionId = (await createUserWithSession(tx, email)).session.id;
        throw new Abort('changed my mind');
      }),
    ).rejects.toBeInstanceOf(Abort);
    expect(await repositories().users.findByEmail(email)).toBeNull();
    expect(await repositories().sessions.findById(sessionId)).toBeNull();
  });

  it('rolls back the earlier writes when a later one fails in the database', async () => {
    const taken = newEmail();
    await repositories().users.create({ email: taken, passwordHash: 'x', now });
    const first = newEmail();
    const error = await repositories()
      .transaction(async (tx) => {
        await tx.users.create({ email: first, passwordHash: 'x', now });
        await tx.users.create({ email: taken, passwordHash: 'x', now });
      })
      .catch((reason: unknown) => reason);
    expect(isAuthError(error) && error.code).toBe('EMAIL_TAKEN');
    expect(await repositories().users.findByEmail(first)).toBeNull();
  });

  it('reads its own writes inside, the hot-path check included', async () => {
    await repositories().transaction(async (tx) => {
      const { user, session } = await createUserWithSession(tx, newEmail());
      expect(await tx.users.findById(user.id)).toEqual(user);
      expect(await tx.sessions.findActiveUser({ sessionId: session.id, accessJti: session.accessJti, now })).toEqual(
        user,
      );
    });
  });

  it('joins the running transaction when nested, so an outer failure undoes the inner writes too', async () => {
    const outer = newEmail();
    const inner = newEmail();
    await expect(
      repositories().transaction(async (tx) => {
        await tx.users.create({ email: outer, passwordHash: 'x', now });
        await tx.transaction((nested) => nested.users.create({ email: inner, passwordHash: 'x', now }));
        throw new Abort();
      }),
    ).rejects.toBeInstanceOf(Abort);
    expect(await repositories().users.findByEmail(outer)).toBeNull();
    expect(await repositories().users.findByEmail(inner)).toBeNull();
  });

  it.skipIf(target === 'memory')('keeps its writes invisible to other connections until it commits', async () => {
    const email = newEmail();
    let seenOutside: unknown = 'not read';
    await repositories().transaction(async (tx) => {
      await tx.users.create({ email, passwordHash: 'x', now });
      seenOutside = await repositories().users.findByEmail(email);
    });
    expect(seenOutside).toBeNull();
    expect(await repositories().users.findByEmail(email)).not.toBeNull();
  });
});
