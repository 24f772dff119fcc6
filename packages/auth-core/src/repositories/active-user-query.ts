/**
 * The one read of every authenticated call (session neither revoked nor past its absolute
 * expiry, access jti not deny-listed, the session's user), run straight on a connection from
 * the ORM's own pool.
 *
 * Through `em.getConnection().execute()` the same statement cost about a third of a
 * `users.me` call in the benchmark's CPU profile: MikroORM's and knex's query runners,
 * and node-sqlite3 preparing and finalizing the statement on every call (three thread-pool
 * round trips instead of one). Here SQLite and PostgreSQL each keep one
 * prepared statement per pooled connection. The pool (its size, timeouts and dead-link
 * checks) is still knex's, and errors are the driver's own, which `isDatabaseUnavailable`
 * in the API already recognises. Being beside the ORM, this read is not in MikroORM's
 * `debug` query log.
 */
import type { EntityManager } from '@mikro-orm/knex';

export interface ActiveUserRow {
  id: string;
  email: string;
  /** SQLite: 0 or 1. */
  email_verified: boolean | number;
  /** SQLite: 0 or 1. */
  mfa_enabled: boolean | number;
  /** SQLite: milliseconds since the epoch; PostgreSQL: a Date. */
  created_at: Date | number | string;
  updated_at: Date | number | string;
}

export type ActiveUserQuery = (sessionId: string, accessJti: string, now: Date) => Promise<ActiveUserRow | undefined>;

/** Parameters appear in the text in their order, as knex's and SQLite's `?` need. */
const sql = (param: (index: number) => string): string =>
  'select u.id, u.email, u.email_verified, u.mfa_enabled_at is not null as mfa_enabled, u.created_at, u.updated_at ' +
  'from session s ' +
  `join "user" u on u.id = s.user_id where s.id = ${param(1)} and s.revoked_at is null and u.disabled_at is null ` +
  `and not exists (select 1 from token_denylist d where d.jti = ${param(2)}) and s.expires_at > ${param(3)}`;

/** The same read with knex's `?` placeholders, for a caller inside a transaction. */
export const activeUserSql = sql(() => '?');

/** The parts of knex's client used here. */
interface KnexClient {
  dialect: string;
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}

/** node-sqlite3's Database and Statement, as far as used here. */
interface SqliteStatement {
  all(params: unknown[], done: (error: Error | null, rows: ActiveUserRow[]) => void): void;
  finalize(done: () => void): void;
}
interface SqliteConnection {
  prepare(sql: string, done: (error: Error | null) => void): SqliteStatement;
  close(done: (error: Error | null) => void): void;
}

interface PgConnection {
  query(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: ActiveUserRow[] }>;
}

/** The parameters of the read: the session id, the access jti, and now as the dialect stores dates. */
type Params = [string, string, number | Date];

function sqliteQuery(): (connection: SqliteConnection, params: Params) => Promise<ActiveUserRow | undefined> {
  const text = activeUserSql;
  const statements = new WeakMap<SqliteConnection, Promise<SqliteStatement> | undefined>();

  /**
   * SQLite refuses to close a connection that still has statements, and knex closes pooled
   * connections itself: the connection's close finalizes ours first (wrapped once).
   */
  function finalizeOnClose(connection: SqliteConnection): void {
    const close = connection.close.bind(connection);
    connection.close = (done) => {
      const statement = statements.get(connection);
      if (!statement) return close(done);
      statement.then(
        (prepared) => prepared.finalize(() => close(done)),
        () => close(done),
      );
    };
  }

  function prepare(connection: SqliteConnection): Promise<SqliteStatement> {
    return new Promise<SqliteStatement>((resolve, reject) => {
      const statement = connection.prepare(text, (error) => (error ? reject(error) : resolve(statement)));
    });
  }

  return async (connection, params) => {
    let statement = statements.get(connection);
    if (!statement) {
      if (!statements.has(connection)) finalizeOnClose(connection);
      statement = prepare(connection);
      statements.set(connection, statement);
    }
    const ready = await statement.catch((error: unknown) => {
      // A failed prepare (the schema is not there yet, say) is tried again next time.
      statements.set(connection, undefined);
      throw error;
    });
    return new Promise((resolve, reject) => {
      // all(), not get(): get() leaves the statement open, and with it a read transaction
      // that makes this connection's next write fail with SQLITE_BUSY. all() steps to the
      // end and resets the statement. The session id is a key: at most one row.
      ready.all(params, (error, rows) => (error ? reject(error) : resolve(rows[0])));
    });
  };
}

function postgresQuery(): (connection: PgConnection, params: Params) => Promise<ActiveUserRow | undefined> {
  // A named statement: PostgreSQL parses and plans it once per connection, which halves the
  // round trip (measured: ~130 vs ~250 µs one after another). Named statements need session
  // pooling behind PgBouncer, which DEPLOYMENT.md already asks for; and a migration must not
  // change the type of a column this returns under a running version (nor may any migration,
  // for the previous version's sake).
  const statement = { name: 'keyway_active_user', text: sql((index) => `$${index}`) };
  return async (connection, values) => (await connection.query({ ...statement, values })).rows[0];
}

type Runner = (
  connection: unknown,
  sessionId: string,
  accessJti: string,
  now: Date,
) => Promise<ActiveUserRow | undefined>;

/**
 * The two knex dialects MikroORM's drivers here use; anything else is refused, not guessed at.
 * MikroORM stores dates on SQLite as milliseconds since the epoch, on PostgreSQL as timestamps.
 */
function runnerFor(dialect: string): Runner {
  if (dialect === 'postgresql') {
    const run = postgresQuery();
    return (connection, sessionId, accessJti, now) => run(connection as PgConnection, [sessionId, accessJti, now]);
  }
  if (dialect === 'sqlite3') {
    const run = sqliteQuery();
    return (connection, sessionId, accessJti, now) =>
      run(connection as SqliteConnection, [sessionId, accessJti, now.getTime()]);
  }
  throw new Error(`No hot-path query for the ${dialect} dialect`);
}

const queries = new WeakMap<object, ActiveUserQuery>();

/** The query for this ORM's connection pool, made once per pool. */
export function activeUserQuery(root: EntityManager): ActiveUserQuery {
  const client = root.getConnection().getKnex().client as KnexClient;
  let query = queries.get(client);
  if (query) return query;

  const run = runnerFor(client.dialect);
  query = async (sessionId, accessJti, now) => {
    const connection = await client.acquireConnection();
    try {
      return await run(connection, sessionId, accessJti, now);
    } finally {
      void client.releaseConnection(connection);
    }
  };
  queries.set(client, query);
  return query;
}
