/**
 * The MikroORM repositories on a real, migrated database, for the suites of repositories/:
 * the database is opened before the enclosing suite and dropped after it. Kept apart from
 * index.ts because it registers vitest hooks.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll } from 'vitest';
import { createAdmin } from '../admin.js';
import { type Dialect, migrate, type Orm, openOrm } from '../orm.js';
import { type ActiveUserRead, openActiveUserRead } from '../repositories/active-user-query.js';
import { createRepositories } from '../repositories/index.js';
import type { Repositories } from '../repositories/types.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const minutes = (count: number) => count * 60_000;

/** Call in a suite: its tests then write and read through what this returns. */
export function repositoriesOnTestDatabase(dialect: Dialect) {
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

  /** The operator's tools on the same database (disabling an account, say). */
  const admin = () => createAdmin({ orm });

  return { now, repositories, createUser, createSession, count, admin };
}
