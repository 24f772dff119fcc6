import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteMigrations } from './migrations/sqlite/index.js';
import { isDatabaseReachable, migrate, openOrm, parseDatabaseUrl } from './orm.js';
import { createTestDatabase, testDialects } from './testing/database.js';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite::memory:', { dialect: 'sqlite', location: ':memory:' }],
    ['sqlite:./data/keyway.sqlite', { dialect: 'sqlite', location: './data/keyway.sqlite' }],
    ['sqlite:///var/lib/keyway.sqlite', { dialect: 'sqlite', location: '/var/lib/keyway.sqlite' }],
    ['postgres://u:p@db:5432/keyway', { dialect: 'postgresql', location: 'postgres://u:p@db:5432/keyway' }],
    [
      'postgresql://db/keyway?sslmode=require',
      { dialect: 'postgresql', location: 'postgresql://db/keyway?sslmode=require' },
    ],
  ])('reads %j', (url, target) => {
    expect(parseDatabaseUrl(url)).toEqual(target);
  });

  it.each(['', 'sqlite:', 'mysql://db/keyway', 'postgres://db', 'postgres://db/', 'keyway.sqlite'])(
    'refuses %j',
    (url) => {
      expect(parseDatabaseUrl(url)).toBeNull();
    },
  );

  it('is what openOrm enforces', async () => {
    await expect(openOrm({ databaseUrl: 'mysql://db/keyway' })).rejects.toThrow(/Unsupported DATABASE_URL/);
  });
});

describe('a SQLite file database', () => {
  it('is created with its folder, migrated once, and reachable until closed', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'keyway-orm-'));
    const file = join(folder, 'nested', 'keyway.sqlite');
    try {
      const orm = await openOrm({ databaseUrl: `sqlite:${file}` });
      expect(await migrate(orm)).toEqual(sqliteMigrations.map((migration) => migration.name));
      expect(await migrate(orm)).toEqual([]);
      expect(existsSync(file)).toBe(true);
      expect(await isDatabaseReachable(orm)).toBe(true);
      await orm.close(true);
      expect(await isDatabaseReachable(orm)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe.each(await testDialects())('migrations on %s', (dialect) => {
  it('create every table the repositories use', async () => {
    const database = await createTestDatabase(dialect);
    const orm = await openOrm({ databaseUrl: database.url });
    try {
      await migrate(orm);
      for (const table of ['user', 'session', 'token_denylist', 'email_token']) {
        await expect(orm.em.getConnection().execute(`select count(*) from "${table}"`), table).resolves.toBeDefined();
      }
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });
});
