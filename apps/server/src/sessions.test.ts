/**
 * A user's sessions over real HTTP (SQLite, and PostgreSQL when it answers): the device a
 * login came from is recorded from its request, another device's session ends at once, and
 * an id that is not the caller's live session is a 404, never a 500.
 */
import { randomUUID } from 'node:crypto';
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorOf, startTestServer, type TestServer } from './testing.js';

const phoneAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1';

describe.each(await testDialects())('sessions over HTTP on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ dialect });
  });
  afterAll(() => t?.stop());

  const list = async (token: string) => (await t.queryData('sessions.list', undefined, { token })).sessions;

  it('lists the devices with their user agent and address; ending one refuses its tokens at once', async () => {
    const email = `devices-${dialect}@example.com`;
    await t.register(email);
    const laptop = await t.login(email);
    const phone = await t.login(email, { headers: { 'User-Agent': phoneAgent } });

    const sessions = await list(laptop.accessToken);
    expect(sessions.map(({ current, userAgent, ip }) => ({ current, userAgent, ip }))).toEqual([
      { current: false, userAgent: phoneAgent, ip: '127.0.0.1' },
      // fetch's own user agent.
      { current: true, userAgent: expect.any(String), ip: '127.0.0.1' },
    ]);
    const phoneSession = sessions[0]?.id ?? '';

    const revoked = await t.mutation('sessions.revoke', { sessionId: phoneSession }, { token: laptop.accessToken });
    expect(dataOf(revoked)).toEqual({ success: true });
    const refused = await t.query('users.me', undefined, { token: phone.accessToken });
    expect([refused.status, errorOf(refused).data.code]).toEqual([401, 'UNAUTHORIZED']);
    expect((await t.mutation('auth.refresh', { refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await t.query('users.me', undefined, { token: laptop.accessToken })).status).toBe(200);
  });

  it('answers 404 NOT_FOUND for someone else’s session and for a malformed id, 400 for a wrong type', async () => {
    await t.register(`owner-${dialect}@example.com`);
    await t.register(`other-${dialect}@example.com`);
    const owner = await t.login(`owner-${dialect}@example.com`);
    const other = await t.login(`other-${dialect}@example.com`);
    const [othersSession] = await list(other.accessToken);

    for (const sessionId of [othersSession?.id, randomUUID(), 'garbage', '../../etc/passwd']) {
      const reply = await t.mutation('sessions.revoke', { sessionId }, { token: owner.accessToken });
      expect([sessionId, reply.status, errorOf(reply).data.code]).toEqual([sessionId, 404, 'NOT_FOUND']);
    }
    const wrongType = await t.mutation('sessions.revoke', { sessionId: 42 }, { token: owner.accessToken });
    expect([wrongType.status, errorOf(wrongType).data.fieldErrors?.sessionId?.length]).toEqual([400, 1]);
    expect((await t.query('users.me', undefined, { token: other.accessToken })).status).toBe(200);
  });

  it('ends every other session with revokeOthers', async () => {
    const email = `others-${dialect}@example.com`;
    await t.register(email);
    const [kept, second, third] = [await t.login(email), await t.login(email), await t.login(email)];

    const reply = await t.mutation('sessions.revokeOthers', undefined, { token: kept.accessToken });

    expect(dataOf(reply)).toEqual({ success: true, revoked: 2 });
    for (const ended of [second, third]) {
      expect((await t.query('users.me', undefined, { token: ended.accessToken })).status).toBe(401);
    }
    expect((await list(kept.accessToken)).map((session) => session.current)).toEqual([true]);
  });
});
