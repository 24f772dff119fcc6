/**
 * The authenticated check's read on real databases: it sees a revocation committed a
 * millisecond earlier by another connection (SQLite file) or another instance (PostgreSQL),
 * and closes cleanly before the ORM. Its statement is built from the entities' metadata and
 * runs here on schemas the committed migrations made, so the two cannot drift apart unseen.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Orm, openOrm } from '../orm.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/database.js';
import { type ActiveUserRead, openActiveUserRead } from './active-user-query.js';
import { createRepositories } from './index.js';

const now = () => new Date();

/** A user with a live session, written through `orm`. */
async function signedInUser(orm: Orm) {
  const repositories = createRepositories(orm.em.fork() as EntityManager);
  const user = await repositories.users.create({ email: `${randomUUID()}@example.com`, passwordHash: 'x', now: now() });
  const session = { id: randomUUID(), accessJti: randomUUID() };
  await repositories.sessions.create({
    id: session.id,
    userId: user.id,
    refreshJti: randomUUID(),
    now: now(),
    expiresAt: new Date(Date.now() + 3_600_000),
    userAgent: null,
    ip: null,
  });
  return { user, session };
}

describe.each(await testDialects())('the hot read on %s, beside another writer', (dialect) => {
  let database: TestDatabase;
  /** The instance that reads. */
  let reader: Orm;
  /** Another connection (SQLite) or instance (PostgreSQL) that writes. */
  let writer: Orm;
  let read: ActiveUserRead;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, { file: true });
    reader = await openOrm({ databaseUrl: database.url });
    await migrate(reader);
    writer = await openOrm({ databaseUrl: database.url });
    read = openActiveUserRead(reader.em as EntityManager);
  });

  afterAll(async () => {
    read?.close();
    await writer?.close(true);
    await reader?.close(true);
    await database?.drop();
  });

  const writes = () => createRepositories(writer.em.fork() as EntityManager);

  it('answers the user of a live session, booleans and dates as stored', async () => {
    const { user, session } = await signedInUser(writer);
    const row = await read(session.id, session.accessJti, now());
    expect(row).toMatchObject({ id: user.id, email: user.email });
    expect(Boolean(row?.emailVerified)).toBe(false);
    expect(Boolean(row?.mfaEnabled)).toBe(false);
  });

  it('sees a session revoked a millisecond earlier by the other writer', async () => {
    const { session } = await signedInUser(writer);
    expect(await read(session.id, session.accessJti, now())).toBeDefined();
    await writes().sessions.revoke(session.id, now());
    await sleep(1);
    expect(await read(session.id, session.accessJti, now())).toBeUndefined();
  });

  it('sees an access jti deny-listed a millisecond earlier by the other writer', async () => {
    const { session } = await signedInUser(writer);
    expect(await read(session.id, session.accessJti, now())).toBeDefined();
    await writes().denylist.add(session.accessJti, new Date(Date.now() + 60_000));
    await sleep(1);
    expect(await read(session.id, session.accessJti, now())).toBeUndefined();
  });

  it('refuses a session past its absolute expiry', async () => {
    const { session } = await signedInUser(writer);
    expect(await read(session.id, session.accessJti, new Date(Date.now() + 3_600_001))).toBeUndefined();
  });
});

describe('the hot read on SQLite', () => {
  it('uses a connection of its own on a file, closed by close() so the ORM then closes cleanly', async () => {
    const database = await createTestDatabase('sqlite', { file: true });
    const orm = await openOrm({ databaseUrl: database.url });
    // Opened before the tables exist, as the core is: prepared on first use.
    const read = openActiveUserRead(orm.em as EntityManager);
    await expect(read(randomUUID(), randomUUID(), now())).rejects.toThrow(/no such table/);
    await migrate(orm);
    const { session } = await signedInUser(orm);
    expect(await read(session.id, session.accessJti, now())).toBeDefined();
    read.close();
    read.close();
    await expect(read(session.id, session.accessJti, now())).rejects.toThrow(/not open/);
    // The ORM's own reads are unaffected.
    expect(await createRepositories(orm.em.fork() as EntityManager).sessions.findById(session.id)).not.toBeNull();
    const wal = `${database.url.slice('sqlite:'.length)}-wal`;
    expect(existsSync(wal)).toBe(true);
    await orm.close(true);
    // SQLite removes the write-ahead log when its last connection closes: none was left open.
    expect(existsSync(wal)).toBe(false);
    await database.drop();
  });

  it('reads through the ORM connection on :memory:, where a second connection would see another database', async () => {
    const orm = await openOrm({ databaseUrl: 'sqlite::memory:' });
    await migrate(orm);
    const read = openActiveUserRead(orm.em as EntityManager);
    const { user, session } = await signedInUser(orm);
    expect(await read(session.id, session.accessJti, now())).toMatchObject({ id: user.id });
    read.close();
    // Nothing of its own to close: it still reads.
    expect(await read(session.id, session.accessJti, now())).toMatchObject({ id: user.id });
    await orm.close(true);
  });
});
