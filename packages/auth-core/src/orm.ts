/**
 * Opens the database named by a `DATABASE_URL` (`sqlite:<path>`, `sqlite::memory:` or
 * `postgres://…`) with the entities and the committed migrations of its dialect.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EntityManager, MikroORM as KnexOrm } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.js';
import type { Logger } from './logger.js';
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
  /** Where the driver's own warnings go (a connection dropped from the pool); else knex prints them. */
  logger?: Logger;
  /**
   * PostgreSQL: the server cancels a statement after this many milliseconds, and the client
   * gives up 2 s later. 0 turns both off (the `migrate` command: a migration may be long).
   */
  statementTimeoutMillis?: number;
}

/**
 * PostgreSQL time budget, so that a database that vanishes makes requests fail in seconds
 * instead of hanging: opening a connection gives up after 2 s (a refused link fails at once),
 * waiting for a pooled connection after 4 s, and a statement after 10 s (by default).
 * A connection whose link died is marked by knex and discarded on its next checkout, so the
 * same pool recovers by itself when the database is back.
 */
const postgresConnectTimeoutMillis = 2_000;
const postgresAcquireTimeoutMillis = 4_000;

export async function openOrm({
  databaseUrl,
  poolMax = 10,
  debug = false,
  logger,
  statementTimeoutMillis = 10_000,
}: OrmOptions): Promise<Orm> {
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
  // Each driver is loaded only when used: an instance never carries the other dialect's
  // modules (about 15 MB of resident memory).
  if (target.dialect === 'sqlite') {
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    const { MikroORM: SqliteOrm, SqliteDriver } = await import('@mikro-orm/sqlite');
    return SqliteOrm.init({
      ...common,
      driver: SqliteDriver,
      dbName: target.location,
      migrations: { migrationsList: sqliteMigrations, snapshot: false, transactional: true, silent: true },
      pool: {
        min: 1,
        // WAL lets readers run beside the one writer: a few connections, so a read does not
        // queue behind another request's statement (an in-memory database is per connection).
        max: target.location === ':memory:' ? 1 : 4,
        // WAL with synchronous=NORMAL: a commit appends to the log and returns, the fsync
        // waits for a checkpoint, so one login's INSERT no longer holds the connection (and
        // every users.me queued behind it) through a disk flush. Writers still take turns;
        // busy_timeout makes a second writer wait instead of failing.
        afterCreate: (
          connection: { exec(sql: string, done: (error: Error | null) => void): void },
          done: (error: Error | null) => void,
        ) =>
          connection.exec(
            target.location === ':memory:'
              ? 'pragma synchronous = normal'
              : // foreign_keys: MikroORM turns it on for the first connection only.
                'pragma journal_mode = wal; pragma synchronous = normal; pragma busy_timeout = 5000; pragma foreign_keys = on',
            done,
          ),
      },
    }) as Promise<Orm>;
  }
  const { MikroORM: PostgresOrm, PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  return PostgresOrm.init({
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: target.location,
    migrations: { migrationsList: postgresMigrations, snapshot: false, transactional: true, silent: true },
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: postgresAcquireTimeoutMillis },
    driverOptions: {
      connection: {
        connectionTimeoutMillis: postgresConnectTimeoutMillis,
        statement_timeout: statementTimeoutMillis,
        // The client-side bound for a link that went silent (the server's statement_timeout
        // answer cannot arrive): later than the server's own, so that one normally wins.
        query_timeout: statementTimeoutMillis > 0 ? statementTimeoutMillis + 2_000 : undefined,
        // Lets the OS notice a peer that vanished without closing (a failover, a NAT drop).
        keepAlive: true,
      },
      // knex prints these with console.log; they belong in the structured log.
      ...(logger && {
        log: {
          warn: (message: unknown) => logger.warn({ detail: String(message) }, 'Database driver warning'),
          error: (message: unknown) => logger.error({ detail: String(message) }, 'Database driver error'),
          deprecate: (method: unknown, alternative: unknown) =>
            logger.warn({ detail: `${String(method)} is deprecated; use ${String(alternative)}` }, 'Database driver'),
          debug: () => {},
        },
      }),
    },
  }) as Promise<Orm>;
}

/** The advisory lock migrations take on PostgreSQL; any constant every Keyway version shares. */
const migrationLockKey = 0x6b657977; // 'keyw'
/** How long an instance waits for another one's migrations before it gives up. */
const migrationLockWaitMillis = 5 * 60_000;

interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Applies pending migrations; returns the names applied (none when up to date).
 * On PostgreSQL, instances that start together (`MIGRATE_ON_START`) take turns: each holds a
 * session advisory lock while it migrates, so the others wait and then find nothing pending
 * (without it, all but one fail on tables that already exist). The lock lives on a connection
 * of its own, outside the pool, so a pool of one still works and the wait is not cut short by
 * the pool's statement timeout.
 */
export async function migrate(orm: Orm): Promise<string[]> {
  const up = async () => (await orm.getMigrator().up()).map((migration) => migration.name);
  if (orm.config.get('driver')?.name !== 'PostgreSqlDriver') return up();
  const { driver, connectionSettings } = (orm.em as EntityManager).getConnection().getKnex().client as {
    driver: { Client: new (settings: object) => PgClient };
    connectionSettings: object;
  };
  const lock = new driver.Client({
    ...connectionSettings,
    statement_timeout: migrationLockWaitMillis,
    query_timeout: migrationLockWaitMillis + 2_000,
  });
  // A lock connection that drops ends the wait with an error from query(); nothing to add.
  lock.on('error', () => {});
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [migrationLockKey]);
    return await up();
  } finally {
    await lock.end().catch(() => {});
  }
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
