/**
 * Redis disappears under one of two instances (its link cut through a TCP proxy the test
 * controls; the shared Redis itself is never touched): that instance keeps answering
 * promptly on limits counted in its own memory, says so once in its log, and shares the
 * counts again once Redis is back.
 */
import { redisTestUrl, shouldTestRedis, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureLogs,
  eventually,
  password,
  startTwoInstances,
  type TestServer,
  type TwoInstances,
  unique,
} from '../testing.js';
import { type CutMode, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const ready = (await shouldTestRedis()) && (await testDialects()).includes('postgresql');

describe.skipIf(!ready)('a Redis outage under one of two instances', () => {
  const logs = captureLogs();
  const fallbackLog = /fall back to per-instance memory/;
  const recoveryLog = /Redis reachable again/;
  let proxy: TcpProxy;
  let pair: TwoInstances;
  /** Reaches Redis through the proxy. */
  let cutOff: TestServer;
  /** Reaches Redis directly. */
  let direct: TestServer;

  const limits = { RATE_LIMIT_LOGIN_ACCOUNT: '5/15m' };
  const failedLogin = (instance: TestServer, email: string) =>
    instance.mutation('auth.login', { email, password: 'Not-The-Password-1' });

  beforeAll(async () => {
    const redis = new URL(redisTestUrl);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port) || 6379 });
    pair = await startTwoInstances({
      env: limits,
      first: { logger: logs.logger, env: { RATE_LIMIT_STORE: proxy.rewrite(redisTestUrl) } },
      second: { env: { RATE_LIMIT_STORE: redisTestUrl } },
    });
    ({ first: cutOff, second: direct } = pair);
  });

  afterAll(async () => {
    await pair?.stop();
    await proxy?.close();
  });

  /** Five failed logins spread over both instances; the sixth is refused by either. */
  async function expectSharedCounts() {
    const email = `${unique('shared')}@example.com`;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await failedLogin(attempt % 2 ? direct : cutOff, email)).status).toBe(401);
    }
    for (const instance of [cutOff, direct]) {
      const refused = await failedLogin(instance, email);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  }

  it('counts failed logins across both instances while Redis is up', async () => {
    await expectSharedCounts();
  });

  for (const mode of ['reset', 'blackhole', 'partition'] satisfies CutMode[]) {
    it(`answers promptly on per-instance limits while Redis is cut (${mode}), logs it once, and shares again after`, async () => {
      const fallbacksBefore = logs.matching(fallbackLog).length;
      const recoveriesBefore = logs.matching(recoveryLog).length;
      proxy.cut(mode);

      const email = `${unique(mode)}@example.com`;
      const answers = [];
      for (let attempt = 0; attempt < 6; attempt += 1) answers.push(await failedLogin(cutOff, email));
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429]);
      // A couple of seconds at most: a silent link costs the first requests their command timeouts.
      for (const answer of answers) expect(answer.ms).toBeLessThan(4_000);
      // The counts stayed in the cut-off instance's memory: the other one has seen none.
      expect((await failedLogin(direct, email)).status).toBe(401);
      // Other procedures are limited (and answered) as well.
      expect((await cutOff.mutation('users.register', { email, password })).status).toBe(200);
      expect(logs.matching(fallbackLog)).toHaveLength(fallbacksBefore + 1);

      proxy.restore();
      await eventually(
        'the instance to reconnect to Redis',
        async () => logs.matching(recoveryLog).length > recoveriesBefore,
      );
      expect(logs.matching(recoveryLog)).toHaveLength(recoveriesBefore + 1);
      expect(logs.matching(fallbackLog)).toHaveLength(fallbacksBefore + 1);
      await expectSharedCounts();
    });
  }
});
