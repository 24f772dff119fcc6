/**
 * Writes a migration for each dialect from the difference between the entities and the
 * committed migrations. Run: pnpm --filter @keyway/auth-core migration:create
 * (needs the local PostgreSQL; uses a throw-away database).
 */
import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver, MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { SqliteDriver, MikroORM as SqliteOrm } from '@mikro-orm/sqlite';
import { entities } from '../src/entities/index.js';
import { postgresMigrations } from '../src/migrations/postgresql/index.js';
import { sqliteMigrations } from '../src/migrations/sqlite/index.js';

const folder = (dialect: string) => fileURLToPath(new URL(`../src/migrations/${dialect}`, import.meta.url));
const adminUrl = process.env.POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sqlite = await SqliteOrm.init({
  entities,
  extensions: [Migrator],
  driver: SqliteDriver,
  dbName: ':memory:',
  migrations: { migrationsList: sqliteMigrations, path: folder('sqlite'), snapshot: false, emit: 'ts' },
});
await sqlite.getMigrator().up();
const sqliteResult = await sqlite.getMigrator().createMigration(folder('sqlite'));
console.log('sqlite:', sqliteResult.fileName || 'no changes');
await sqlite.close();

const scratch = `keyway_migration_${process.pid}`;
const admin = await PostgresOrm.init({ entities, driver: PostgreSqlDriver, clientUrl: adminUrl, connect: true });
await admin.em.getConnection().execute(`create database ${scratch}`);
try {
  const postgres = await PostgresOrm.init({
    entities,
    extensions: [Migrator],
    driver: PostgreSqlDriver,
    clientUrl: adminUrl.replace(/\/[^/]*$/, `/${scratch}`),
    migrations: { migrationsList: postgresMigrations, path: folder('postgresql'), snapshot: false, emit: 'ts' },
  });
  await postgres.getMigrator().up();
  const postgresResult = await postgres.getMigrator().createMigration(folder('postgresql'));
  console.log('postgresql:', postgresResult.fileName || 'no changes');
  await postgres.close();
} finally {
  await admin.em.getConnection().execute(`drop database ${scratch}`);
  await admin.close();
}
