/** users.me with an empty deny list, a full one (one statement fills it), and emptied again. */
import { openOrm } from '@keyway/auth-core';
import { query } from '../../../src/testing.js';
import { type BenchContext, log } from '../context.js';
import { closedLoop, type Session } from '../load.js';
import { HarnessError } from '../processes.js';
import type { DenylistFigures } from '../raw.js';

const sqliteDenylistInsert = (rows: number, expiresAtMs: number) =>
  'with recursive n(i) as (select 1 union all select i + 1 from n where i < ' +
  `${Math.trunc(rows)}) ` +
  'insert into token_denylist (jti, expires_at) select ' +
  "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || " +
  "substr('89ab', 1 + abs(random() % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), " +
  `${Math.trunc(expiresAtMs)} from n`;

const postgresDenylistInsert = (rows: number) =>
  'insert into token_denylist (jti, expires_at) ' +
  `select gen_random_uuid(), now() + interval '1 day' from generate_series(1, ${Math.trunc(rows)})`;

/** Runs `work` on a connection of the test's own to a database the server has migrated. */
async function withConnection<T>(
  databaseUrl: string,
  work: (connection: ReturnType<Awaited<ReturnType<typeof openOrm>>['em']['getConnection']>) => Promise<T>,
): Promise<T> {
  const orm = await openOrm({ databaseUrl, poolMax: 1 });
  try {
    return await work(orm.em.getConnection());
  } finally {
    await orm.close(true);
  }
}

type Connection = Parameters<Parameters<typeof withConnection>[1]>[0];

/**
 * Lets the database finish what a bulk statement leaves behind before the next measurement:
 * on SQLite the WAL is checkpointed into the file; on PostgreSQL the table is vacuumed and
 * analysed (so autovacuum does not start on it later) and its dirty pages are written out.
 * Otherwise the run after a million-row insert or delete also measures the database catching
 * up in the background, on the same two cores, rather than the lookup.
 */
async function settle(connection: Connection, databaseUrl: string): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    await connection.execute('pragma wal_checkpoint(truncate)');
  } else {
    await connection.execute('vacuum analyze token_denylist');
    await connection.execute('checkpoint');
  }
}

/** Fills the deny list in one statement; the time it took and the rows it holds. */
function fillDenylist(databaseUrl: string, rows: number): Promise<{ ms: number; count: number }> {
  return withConnection(databaseUrl, async (connection) => {
    const started = performance.now();
    if (databaseUrl.startsWith('sqlite:')) {
      await connection.execute('pragma cache_size = -262144');
      await connection.execute(sqliteDenylistInsert(rows, Date.now() + 86_400_000), [], 'run');
    } else {
      await connection.execute('set statement_timeout = 0');
      await connection.execute(postgresDenylistInsert(rows));
    }
    const ms = performance.now() - started;
    await settle(connection, databaseUrl);
    const [row] = await connection.execute<Array<{ count: number | string }>>(
      'select count(*) as count from token_denylist',
    );
    return { ms, count: Number(row?.count) };
  });
}

export async function denylistPhase(
  context: BenchContext,
  label: string,
  server: { pid: number },
  session: Session,
  databaseUrl: string,
): Promise<DenylistFigures> {
  const { settings, meConnections } = context.options;
  const run = (what: string) =>
    closedLoop(context, `${label} users.me, ${what}`, session.me, server.pid, {
      connections: meConnections,
      seconds: settings.denySeconds,
    });
  const empty = await run('empty deny list');
  log(`${label}: inserting ${settings.denyRows.toLocaleString('en')} deny-list rows`);
  const fill = await fillDenylist(databaseUrl, settings.denyRows);
  if (fill.count < settings.denyRows) throw new HarnessError(`${label}: deny list has ${fill.count} rows`);
  log(`${label}: ${fill.count.toLocaleString('en')} rows in ${(fill.ms / 1000).toFixed(1)} s`);
  const full = await run(`${fill.count.toLocaleString('en')}-row deny list`);
  // The token under load must still be accepted (the rows are other tokens).
  const me = await query(session.me.origin, 'users.me', undefined, { token: session.token });
  if (me.status !== 200) throw new HarnessError(`${label}: users.me answered ${me.status} with a full deny list`);
  await withConnection(databaseUrl, async (connection) => {
    await connection.execute('delete from token_denylist', [], 'run');
    await settle(connection, databaseUrl);
  });
  const emptyAgain = await run('deny list emptied again');
  return { empty, full, emptyAgain, rows: fill.count, insertMs: fill.ms };
}
