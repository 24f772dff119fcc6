/**
 * Scale-out: two instances on one PostgreSQL database and one Redis behave as one
 * service. Each request is sent to either instance, as a load balancer would.
 */
import { redisTestUrl, shouldTestRedis, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  errorOf,
  mutation,
  password,
  query,
  type SignedIn,
  startTwoInstances,
  type TestServer,
  type TwoInstances,
  unique,
} from '../testing.js';

const postgres = (await testDialects()).includes('postgresql');
const redis = await shouldTestRedis();

describe.skipIf(!postgres)('two instances on one PostgreSQL database', () => {
  let pair: TwoInstances;
  let first: TestServer;
  let second: TestServer;
  /** The instance a load balancer would pick for the n-th request. */
  const either = (n: number) => pair.either(n);

  beforeAll(async () => {
    pair = await startTwoInstances({
      env: { RATE_LIMIT_STORE: redis ? redisTestUrl : 'memory', RATE_LIMIT_LOGIN_ACCOUNT: '5/15m' },
    });
    ({ first, second } = pair);
  });

  afterAll(async () => {
    await pair?.stop();
  });

  async function register(instance: TestServer, email = `${unique('user')}@example.com`) {
    const registered = await mutation(instance.url, 'users.register', { email, password });
    expect(registered.status).toBe(200);
    return email;
  }

  async function login(instance: TestServer, email: string) {
    const answer = await mutation(instance.url, 'auth.login', { email, password });
    expect(answer.status).toBe(200);
    return dataOf<SignedIn>(answer);
  }

  const me = (instance: TestServer, token: string) => query(instance.url, 'users.me', undefined, { token });

  it('creates exactly one user from forty simultaneous registrations of one email', async () => {
    const email = `${unique('race')}@example.com`;
    // Each attempt has its own password and spelling of the address (case, spaces): only the
    // one that won may log in afterwards.
    const attempts = Array.from({ length: 40 }, (_, n) => ({
      instance: either(n),
      email: n % 3 === 0 ? ` ${email.toUpperCase()} ` : email,
      password: `${password}-${n}`,
    }));
    const answers = await Promise.all(
      attempts.map(({ instance, email, password }) => mutation(instance.url, 'users.register', { email, password })),
    );

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(39);
    for (const answer of answers.filter((answer) => answer.status === 409)) {
      expect(errorOf(answer).data.code).toBe('CONFLICT');
    }
    const rows = await first.orm.em
      .fork()
      .getConnection()
      .execute<{ count: number }[]>('select count(*)::int as count from "user" where email = ?', [email]);
    expect(rows[0]?.count).toBe(1);

    // The stored password is the winner's: it logs in, a loser's does not. (Two tries only:
    // the failed-login limit of 5 per address would refuse a loop over all forty.)
    const winnerIndex = statuses.indexOf(200);
    const loserIndex = (winnerIndex + 1) % attempts.length;
    const login = (n: number) => mutation(either(n).url, 'auth.login', { email, password: attempts[n]?.password });
    expect((await login(loserIndex)).status).toBe(401);
    expect((await login(winnerIndex)).status).toBe(200);
  });

  it('answers all of twenty concurrent refreshes of one token, across both instances, with one refresh jti', async () => {
    const email = await register(first);
    const { refreshToken } = await login(first, email);
    const { sid } = first.server.core.tokens.verify(refreshToken, 'refresh') ?? {};

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => mutation(either(n).url, 'auth.refresh', { refreshToken })),
    );

    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const claims = answers.map((answer) =>
      first.server.core.tokens.verify(dataOf<SignedIn>(answer).refreshToken, 'refresh'),
    );
    const jtis = new Set(claims.map((claim) => claim?.jti));
    expect(jtis.size).toBe(1);
    const [live] = jtis;
    expect(claims.every((claim) => claim?.sid === sid)).toBe(true);
    // One live refresh jti, stored once for the session; every answer's access token works on both instances.
    const rows = await first.orm.em
      .fork()
      .getConnection()
      .execute<{ current_refresh_jti: string; revoked_at: Date | null }[]>(
        'select current_refresh_jti, revoked_at from session where id = ?',
        [sid],
      );
    expect(rows).toEqual([{ current_refresh_jti: live, revoked_at: null }]);
    for (const [n, answer] of answers.entries()) {
      expect((await me(either(n + 1), dataOf<SignedIn>(answer).accessToken)).status).toBe(200);
    }
  });

  it('refuses on one instance a session logged out through the other, at once', async () => {
    const email = await register(second);
    const { accessToken, refreshToken } = await login(first, email);
    expect((await me(second, accessToken)).status).toBe(200);

    expect((await mutation(first.url, 'auth.logout', { refreshToken }, { token: accessToken })).status).toBe(200);

    expect((await me(second, accessToken)).status).toBe(401);
    expect((await mutation(second.url, 'auth.refresh', { refreshToken })).status).toBe(401);
  });

  it('refuses on one instance every session revoked by logoutAll through the other, at once', async () => {
    const email = await register(first);
    const sessions = [await login(first, email), await login(second, email), await login(first, email)];
    for (const [n, session] of sessions.entries())
      expect((await me(either(n + 1), session.accessToken)).status).toBe(200);

    const [caller] = sessions;
    expect((await mutation(second.url, 'auth.logoutAll', {}, { token: caller?.accessToken })).status).toBe(200);

    for (const [n, session] of sessions.entries()) {
      expect((await me(either(n), session.accessToken)).status).toBe(401);
      expect((await mutation(either(n + 1).url, 'auth.refresh', { refreshToken: session.refreshToken })).status).toBe(
        401,
      );
    }
  });

  it.skipIf(!redis)('counts failed logins across both instances: the sixth is refused with Retry-After', async () => {
    const email = await register(first);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const failed = await mutation(either(attempt).url, 'auth.login', { email, password: 'Not-The-Password-1' });
      expect(failed.status).toBe(401);
    }
    for (const instance of [second, first]) {
      // Refused even with the right password: the account key is locked for this client.
      const refused = await mutation(instance.url, 'auth.login', { email, password });
      expect(refused.status).toBe(429);
      expect(errorOf(refused).data.code).toBe('TOO_MANY_REQUESTS');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(errorOf(refused).data.retryAfter).toBe(retryAfter);
    }
  });
});
