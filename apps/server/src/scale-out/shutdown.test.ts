/**
 * A graceful stop on PostgreSQL: stop accepting, let the request that is still waiting on
 * the database finish with its real answer, and only then close the pool.
 */
import { type Orm, openOrm } from '@keyway/auth-core';
import { createTestDatabase, type TestDatabase, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, eventually, type SignedIn, send, startTestServer, type TestServer, unique } from '../testing.js';

const postgres = (await testDialects()).includes('postgresql');

describe.skipIf(!postgres)('stopping an instance on PostgreSQL', () => {
  let database: TestDatabase;
  let instance: TestServer;
  /** The test's own connections: one holds a lock the server's request waits on, one looks. */
  let observer: Orm;
  /** Backends of the observer's, not the server's. */
  const observerPids = new Set<number>();

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    instance = await startTestServer({ database });
    observer = await openOrm({ databaseUrl: database.url, poolMax: 2 });
  });

  afterAll(async () => {
    await observer?.close(true);
    await database?.drop();
  });

  async function backendPid(em = observer.em.fork()): Promise<number> {
    const [row] = await em
      .getConnection()
      .execute<{ pid: number }[]>('select pg_backend_pid() as pid', [], 'all', em.getTransactionContext());
    if (!row) throw new Error('no backend pid');
    observerPids.add(row.pid);
    return row.pid;
  }

  /** The server's backends on the test database: all but the observer's own. */
  async function serverBackends(waitingOnLock = false): Promise<number> {
    observerPids.add(await backendPid());
    const rows = await observer.em
      .fork()
      .getConnection()
      .execute<{ count: number }[]>(
        `select count(*)::int as count from pg_stat_activity
          where datname = current_database() and pid not in (${[...observerPids].join(', ')})
          ${waitingOnLock ? "and wait_event_type = 'Lock'" : ''}`,
      );
    return rows[0]?.count ?? 0;
  }

  it('drains the in-flight request before closing the pool', async () => {
    const email = `${unique('drain')}@example.com`;
    const { accessToken: token } = await instance.registerAndLogin(email);
    const { url } = instance;

    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const lockHeld = observer.em.fork().transactional(async (em) => {
      await backendPid(em);
      await em
        .getConnection()
        .execute('lock table "session" in access exclusive mode', [], 'run', em.getTransactionContext());
      locked();
      await released;
    });
    await lockTaken;

    try {
      // users.me reads the session table, so it waits on the lock inside the database.
      const inFlight = instance.query('users.me', undefined, { token });
      await eventually('the request to wait on the lock', async () => (await serverBackends(true)) > 0);

      let stopped = false;
      const stopping = instance.server.stop().then(() => {
        stopped = true;
      });
      // Stopped accepting: a new connection is refused while the old request is drained.
      await eventually('new connections to be refused', async () =>
        send(`${url}/healthz`, { timeoutMs: 1000 }).then(
          () => false,
          () => true,
        ),
      );
      expect(stopped).toBe(false);

      release();
      await lockHeld;
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(dataOf<SignedIn>(answer).user.email).toBe(email);
      await stopping;
      await eventually('the pool to close its connections', async () => (await serverBackends()) === 0);
    } finally {
      release();
      await lockHeld;
    }
  });
});
