/**
 * The one read of every authenticated call: the session neither revoked nor past its absolute
 * expiry, the access jti not deny-listed, and the session's user. One indexed statement, never
 * cached: another connection or instance may have revoked the token a millisecond ago.
 *
 * It runs beside the ORM because the ORM's way (`em.getConnection().execute()`) cost about a
 * third of a `users.me` call in the benchmark's CPU profile (MikroORM's and knex's query
 * runners, node-sqlite3 preparing and finalizing the statement on libuv's pool every time):
 * - SQLite file: a read-only better-sqlite3 connection of its own on the same WAL file, one
 *   prepared statement run synchronously (no thread-pool hop). A WAL reader starts a fresh
 *   read transaction per statement, so it sees every write committed before it, by any
 *   connection. The ORM keeps node-sqlite3 (`@mikro-orm/sqlite`) for everything else.
 * - SQLite `:memory:`: a second connection would open a second, empty database, so the read
 *   goes through the ORM's own connection (the slower way above; tests and demos only).
 * - PostgreSQL: a named statement on a connection borrowed from the ORM's pool (knex's
 *   `acquireConnection`), so the server parses and plans it once per connection.
 * Whoever opens the read closes it (`close()`), before the ORM: the core does.
 */
import type { EntityManager, Knex } from '@mikro-orm/knex';
import Database from 'better-sqlite3';
import { Session, TokenDenylist, User } from '../entities/index.js';

/** The read's row: the aliases are fixed here, whatever the columns are called. */
export interface ActiveUserRow {
  id: string;
  email: string;
  /** SQLite: 0 or 1. */
  emailVerified: boolean | number;
  /** SQLite: 0 or 1. */
  mfaEnabled: boolean | number;
  /** SQLite: milliseconds since the epoch; PostgreSQL: a Date. */
  createdAt: Date | number | string;
  updatedAt: Date | number | string;
}

export type ActiveUserQuery = (sessionId: string, accessJti: string, now: Date) => Promise<ActiveUserRow | undefined>;

export interface ActiveUserRead extends ActiveUserQuery {
  /** Closes what the read opened of its own (the SQLite reader); idempotent. */
  close(): void;
}

/**
 * The statement, its table and column names taken from the entities' metadata (so a renamed
 * property or column cannot leave it behind). Parameters: session id, access jti, now, in
 * that order, written by `param` (`?` for knex and SQLite, `$n` for PostgreSQL).
 */
export function activeUserSql(em: EntityManager, param: (index: number) => string = () => '?'): string {
  const platform = em.getPlatform();
  const quote = (name: string) => platform.quoteIdentifier(name);
  const meta = {
    user: em.getMetadata(User),
    session: em.getMetadata(Session),
    denylist: em.getMetadata(TokenDenylist),
  };
  const column = <T extends object>(alias: string, entity: { properties: T }, property: keyof T & string) => {
    const fieldNames = (entity.properties[property] as { fieldNames?: string[] }).fieldNames;
    if (fieldNames?.length !== 1) throw new Error(`No single column for ${property}`);
    return `${alias}.${quote(fieldNames[0] as string)}`;
  };
  const u = (property: keyof User & string) => column('u', meta.user, property);
  const s = (property: keyof Session & string) => column('s', meta.session, property);
  const d = (property: keyof TokenDenylist & string) => column('d', meta.denylist, property);
  const as = (expression: string, alias: keyof ActiveUserRow) => `${expression} as ${quote(alias)}`;
  return (
    `select ${as(u('id'), 'id')}, ${as(u('email'), 'email')}, ${as(u('emailVerified'), 'emailVerified')}, ` +
    `${as(`${u('mfaEnabledAt')} is not null`, 'mfaEnabled')}, ${as(u('createdAt'), 'createdAt')}, ` +
    `${as(u('updatedAt'), 'updatedAt')} ` +
    `from ${quote(meta.session.tableName)} s join ${quote(meta.user.tableName)} u on ${u('id')} = ${s('user')} ` +
    `where ${s('id')} = ${param(1)} and ${s('revokedAt')} is null and ${u('disabledAt')} is null ` +
    `and not exists (select 1 from ${quote(meta.denylist.tableName)} d where ${d('jti')} = ${param(2)}) ` +
    `and ${s('expiresAt')} > ${param(3)}`
  );
}

/** The read through the ORM's own connection (inside a transaction: pass its context). */
export function ormActiveUserQuery(em: EntityManager, transaction?: unknown): ActiveUserQuery {
  // Built on first use: every transaction gets this read, and few of them run it.
  let text: string | undefined;
  return async (sessionId, accessJti, now) => {
    text ??= activeUserSql(em);
    const params = [sessionId, accessJti, em.getPlatform().processDateProperty(now)];
    const rows = await em.getConnection().execute<ActiveUserRow[]>(text, params, 'all', transaction);
    return rows[0];
  };
}

/** SQLite file: a read-only connection of its own and a statement prepared once. */
function sqliteRead(file: string, text: string): ActiveUserRead {
  // `timeout`: a reader waits (rather than fails) in the rare moments WAL recovery locks it out.
  const database = new Database(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
  let statement: Database.Statement<[string, string, number], ActiveUserRow> | undefined;
  const read = async (sessionId: string, accessJti: string, now: Date) => {
    // Prepared on first use: the ORM opens the file before migrations create the tables.
    statement ??= database.prepare<[string, string, number], ActiveUserRow>(text);
    // MikroORM stores dates on SQLite as milliseconds since the epoch.
    return statement.get(sessionId, accessJti, now.getTime());
  };
  return Object.assign(read, { close: () => database.open && database.close() });
}

/** PostgreSQL: a named statement on a connection of the ORM's pool (pg's `query(config)`). */
function postgresRead(client: Knex.Client, text: string): ActiveUserRead {
  // A named statement halves the round trip (measured: ~130 vs ~250 µs one after another).
  // Named statements need session pooling behind PgBouncer, which DEPLOYMENT.md asks for; and
  // a migration must not change the type of a column this returns under a running version.
  const statement = { name: 'keyway_active_user', text };
  const read = async (sessionId: string, accessJti: string, now: Date) => {
    const connection: { query(config: object): Promise<{ rows: ActiveUserRow[] }> } = await client.acquireConnection();
    try {
      return (await connection.query({ ...statement, values: [sessionId, accessJti, now] })).rows[0];
    } finally {
      void client.releaseConnection(connection);
    }
  };
  return Object.assign(read, { close: () => {} });
}

/** Opens the hot read for this ORM's database (see the top of this file for which way). */
export function openActiveUserRead(em: EntityManager): ActiveUserRead {
  const client = em.getConnection().getKnex().client as Knex.Client;
  if (client.dialect === 'postgresql')
    return postgresRead(
      client,
      activeUserSql(em, (index) => `$${index}`),
    );
  const file = em.config.get('dbName');
  if (!file || file === ':memory:') return Object.assign(ormActiveUserQuery(em), { close: () => {} });
  return sqliteRead(file, activeUserSql(em));
}
