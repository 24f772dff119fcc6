/**
 * PostgreSQL disappears under a running server (its link cut through a TCP proxy the test
 * controls; the shared PostgreSQL itself is never touched) and comes back: the server
 * answers fast and honestly while it is gone, and recovers on its own.
 */
import { createTestDatabase, type TestDatabase, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureLogs,
  errorOf,
  eventually,
  password,
  send,
  startTestServer,
  type TestServer,
  unique,
} from '../testing.js';
import { type CutMode, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const postgres = (await testDialects()).includes('postgresql');

describe.skipIf(!postgres)('a database outage (PostgreSQL through a TCP proxy)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let instance: TestServer;
  const logs = captureLogs();
  const email = `${unique('outage')}@example.com`;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    const { hostname, port } = new URL(database.url);
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    instance = await startTestServer({
      database,
      logger: logs.logger,
      env: { DATABASE_URL: proxy.rewrite(database.url) },
    });
    await instance.register(email);
  });

  afterAll(async () => {
    await instance?.server.stop();
    await proxy?.close();
    await database?.drop();
  });

  // 'partition' (a silent link under open connections) is bounded by pg's query_timeout
  // (12 s), too slow for this suite; see orm.ts.
  for (const mode of ['reset', 'blackhole'] satisfies CutMode[]) {
    it(`fails fast with 503 while the database is unreachable (${mode}) and recovers without a restart`, async () => {
      const token = (await instance.login(email)).accessToken;

      proxy.cut(mode);

      const health = await send(`${instance.url}/healthz`);
      expect(health.status).toBe(503);
      expect(health.json).toEqual({ status: 'unavailable' });
      expect(health.ms).toBeLessThan(4_000);

      // A burst larger than the pool (10), so some requests also wait for a connection.
      const attempts = [
        () => instance.mutation('auth.login', { email, password }),
        () => instance.query('users.me', undefined, { token }),
        () => instance.mutation('users.register', { email: `${unique('new')}@example.com`, password: password }),
      ];
      const burst = await Promise.all(Array.from({ length: 8 }).flatMap(() => attempts.map((attempt) => attempt())));
      for (const failed of burst) {
        expect(failed.status).toBe(503);
        expect(errorOf(failed).data.code).toBe('SERVICE_UNAVAILABLE');
        expect(errorOf(failed).message).toMatch(/database is unavailable/i);
        expect(failed.ms).toBeLessThan(6_000);
      }
      // Classified as an outage, not logged as a bug.
      expect(logs.matching(/Unexpected error/)).toEqual([]);
      expect(logs.matching(/Database unavailable/).length).toBeGreaterThanOrEqual(burst.length);

      proxy.restore();

      await eventually(
        'health to answer 200 again',
        async () => (await send(`${instance.url}/healthz`)).status === 200,
      );
      const again = await instance.mutation('auth.login', { email, password });
      expect(again.status).toBe(200);
      expect((await instance.query('users.me', undefined, { token })).status).toBe(200);
    });
  }
});
