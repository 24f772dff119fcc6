/**
 * Migrations on PostgreSQL: idempotent, and working through the real entry point
 * (`src/migrate.ts`) run from source, as CI does on a fresh clone with nothing built.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { migrate, type Orm, openOrm } from '@keyway/auth-core';
import { createTestDatabase, type TestDatabase, testDialects } from '@keyway/auth-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { testJwtSecret } from '../testing.js';

const postgres = (await testDialects()).includes('postgresql');
const serverDirectory = fileURLToPath(new URL('../..', import.meta.url));
/** Tables every version has (later migrations may add more). */
const tables = expect.arrayContaining(['email_token', 'mikro_orm_migrations', 'session', 'token_denylist', 'user']);

/** Runs `src/migrate.ts` with tsx, as `node --import tsx --conditions=@keyway/source src/migrate.ts`. */
async function runMigrateEntry(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@keyway/source', 'src/migrate.ts'],
      { cwd: serverDirectory, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function tablesOf(orm: Orm): Promise<string[]> {
  const rows: { table_name: string }[] = await orm.em
    .fork()
    .getConnection()
    .execute("select table_name from information_schema.tables where table_schema = 'public' order by table_name");
  return rows.map((row) => row.table_name);
}

describe.skipIf(!postgres)('PostgreSQL migrations', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function freshDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase('postgresql');
    cleanup.push(() => database.drop());
    return database;
  }

  it('applies every migration once; a second run applies nothing', async () => {
    const database = await freshDatabase();
    const orm = await openOrm({ databaseUrl: database.url });
    cleanup.push(() => orm.close(true));

    const applied = await migrate(orm);
    expect(applied.length).toBeGreaterThan(0);
    const migrated = await tablesOf(orm);
    expect(migrated).toEqual(tables);
    expect(await migrate(orm)).toEqual([]);
    expect(await tablesOf(orm)).toEqual(migrated);
  });

  it('applies the migrations once when several instances migrate one fresh database at once', async () => {
    const database = await freshDatabase();
    const orms = await Promise.all(Array.from({ length: 3 }, () => openOrm({ databaseUrl: database.url })));
    cleanup.push(async () => {
      for (const orm of orms) await orm.close(true);
    });

    const results = await Promise.allSettled(orms.map((orm) => migrate(orm)));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const applied = results.map((result) => (result.status === 'fulfilled' ? result.value.length : -1));
    expect(applied.filter((count) => count > 0)).toHaveLength(1);
    expect(applied.filter((count) => count === 0)).toHaveLength(2);
  });

  it('cancels statements after 10 s by default, and never when opened for long migrations', async () => {
    const database = await freshDatabase();
    const statementTimeout = async (orm: Orm) => {
      cleanup.push(() => orm.close(true));
      const rows: { statement_timeout: string }[] = await orm.em
        .fork()
        .getConnection()
        .execute('show statement_timeout');
      return rows[0]?.statement_timeout;
    };
    expect(await statementTimeout(await openOrm({ databaseUrl: database.url }))).toBe('10s');
    expect(await statementTimeout(await openOrm({ databaseUrl: database.url, statementTimeoutMillis: 0 }))).toBe('0');
  });

  it('migrates through the real entry point from source, in production mode, idempotently', async () => {
    const database = await freshDatabase();
    const env = { NODE_ENV: 'production', JWT_SECRET: testJwtSecret, DATABASE_URL: database.url, LOG_LEVEL: 'silent' };

    const first = await runMigrateEntry(env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^Applied migrations: Migration\d+/);

    const second = await runMigrateEntry(env);
    expect(second).toMatchObject({ code: 0, stdout: 'Database is up to date\n', stderr: '' });

    const orm = await openOrm({ databaseUrl: database.url });
    cleanup.push(() => orm.close(true));
    expect(await tablesOf(orm)).toEqual(tables);
  });

  it('exits 1 with a one-line message when the database cannot be reached', async () => {
    const failed = await runMigrateEntry({
      NODE_ENV: 'production',
      JWT_SECRET: testJwtSecret,
      // Port 9 (discard) on this machine: nothing listens, the connection is refused.
      DATABASE_URL: 'postgres://postgres@127.0.0.1:9/keyway',
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/^Migration failed: .*ECONNREFUSED/);
  });
});
