/**
 * Opens the database named by a `DATABASE_URL` (`sqlite:<path>`, `sqlite::memory:` or
 * `postgres://…`) with the entities and the committed migrations of its dialect.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MikroORM as KnexOrm } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver, MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { SqliteDriver, MikroORM as SqliteOrm } from '@mikro-orm/sqlite';
import { entities } from './entities/index.js';
import { postgresMigrations } from './migrations/postgresql/index.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';

export type Orm = KnexOrm;
export type Dialect = 'sqlite' | 'postgresql';

export interface DatabaseTarget {
  dialect: Dialect;
  /** SQLite: a file path or `:memory:`; PostgreSQL: the connection URL. */
  location: string;
}

/** Returns the parsed target, or null when the URL names no supported database. */
export function parseDatabaseUrl(url: string): DatabaseTarget | null {
  if (url.startsWith('sqlite:')) {
    const location = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return location ? { dialect: 'sqlite', location } : null;
  }
  if (/^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(url)) return { dialect: 'postgresql', location: url };
  return null;
}

export interface OrmOptions {
  databaseUrl: string;
  /** PostgreSQL pool size (connections per instance). */
  poolMax?: number;
  /** Log every SQL statement (development aid). */
  debug?: boolean;
}

export async function openOrm({ databaseUrl, poolMax = 10, debug = false }: OrmOptions): Promise<Orm> {
  const target = parseDatabaseUrl(databaseUrl);
  if (!target) throw new Error(`Unsupported DATABASE_URL: ${databaseUrl}`);
  const common = {
    entities,
    extensions: [Migrator],
    // A mistake that reaches for the global EntityManager must throw, not share state
    // between requests.
    allowGlobalContext: false,
    debug,
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false,
  };
  if (target.dialect === 'sqlite') {
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    return SqliteOrm.init({
      ...common,
      driver: SqliteDriver,
      dbName: target.location,
      migrations: { migrationsList: sqliteMigrations, snapshot: false, transactional: true, silent: true },
      pool: { min: 1, max: 1 },
    }) as Promise<Orm>;
  }
  return PostgresOrm.init({
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: target.location,
    migrations: { migrationsList: postgresMigrations, snapshot: false, transactional: true, silent: true },
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: 5_000 },
    driverOptions: { connection: { connectionTimeoutMillis: 3_000, statement_timeout: 10_000 } },
  }) as Promise<Orm>;
}

/** Applies pending migrations; returns the names applied (none when up to date). */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(orm: Orm): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}
