/**
 * `auth.introspect` over HTTP as another service calls it: a plain GET, many calls from one
 * address answered under `RATE_LIMIT_INTROSPECT_IP` while the default rule (300 a minute,
 * left at its default here) is neither applied to them nor spent by them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  mutationData,
  query,
  queryData,
  registerAndLogin,
  startTestServer,
  type TestServer,
} from './testing.js';

describe('auth.introspect over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { RATE_LIMIT_DEFAULT_IP: undefined, RATE_LIMIT_INTROSPECT_IP: '320/1m', TRUST_PROXY: 'true' },
    });
  });
  afterAll(() => server.stop());

  /** Each test calls from its own address (through the trusted proxy header). */
  const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
  const introspect = (token: string) => query(server.url, 'auth.introspect', { token }, from('203.0.113.7'));

  it('answers past the default rule’s 300 calls, then refuses under its own rule, and the default count stays whole', async () => {
    const { accessToken } = await registerAndLogin(server.url, 'introspect-http@example.com');
    const statuses: number[] = [];
    // Ten at a time: a backend checking tokens for many users at once.
    for (let batch = 0; batch < 32; batch++) {
      const replies = await Promise.all(Array.from({ length: 10 }, () => introspect(accessToken)));
      for (const reply of replies) {
        statuses.push(reply.status);
        if (reply.status === 200) expect(dataOf(reply)).toMatchObject({ active: true });
      }
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const refused = await introspect(accessToken);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The default rule of this address was not spent by those calls.
    const me = await query(server.url, 'users.me', undefined, { token: accessToken, ...from('203.0.113.7') });
    expect(me.status).toBe(200);
  }, 120_000);

  it('answers inactive for the same token once it is logged out', async () => {
    const { accessToken, refreshToken } = await registerAndLogin(server.url, 'introspect-logout@example.com');
    const check = async () => await queryData(server.url, 'auth.introspect', { token: accessToken }, from('::1'));
    expect(await check()).toMatchObject({ active: true });
    await mutationData(server.url, 'auth.logout', { refreshToken }, { token: accessToken });
    expect(await check()).toEqual({ active: false });
  });
});
