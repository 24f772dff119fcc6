/**
 * The session service on the real repositories (SQLite, and PostgreSQL when it answers): a
 * user's live sessions listed with what their logins recorded, one ended by a
 * compare-and-set, all others ended with a count.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authErrorCodeOf as codeOf,
  createTestCore,
  expectTokens,
  type TestCore,
  testDialects,
} from '../testing/index.js';

const password = 'plum-orbit-cascade';

describe.each(await testDialects())('the session service on %s', (dialect) => {
  let t: TestCore;
  let counter = 0;
  const services = () => t.core.forRequest();

  beforeAll(async () => {
    t = await createTestCore({ dialect });
  });
  afterAll(() => t?.close());

  /** A user signed in on `devices` devices, a second apart; the principal of each login. */
  async function signedIn(devices: number) {
    const email = `sessions${++counter}-${dialect}@example.com`;
    await services().users.register({ email, password });
    const principals = [];
    for (let n = 0; n < devices; n++) {
      t.clock.advance(1000);
      const pair = expectTokens(
        await services().auth.login({ email, password, userAgent: `agent ${n}`, ip: `192.0.2.${n}` }),
      );
      principals.push({ ...(await services().auth.authenticate(pair.accessToken)), accessToken: pair.accessToken });
    }
    return principals;
  }

  it('lists the live sessions newest first, marking the caller’s, with what each login recorded', async () => {
    const [first, second] = await signedIn(2);
    if (!first || !second) throw new Error('two logins expected');
    t.clock.advance(1000);
    await services().auth.login({ email: first.user.email, password, userAgent: null, ip: null });

    const sessions = await services().sessions.list(second);

    expect(sessions.map(({ current, userAgent, ip }) => ({ current, userAgent, ip }))).toEqual([
      { current: false, userAgent: null, ip: null },
      { current: true, userAgent: 'agent 1', ip: '192.0.2.1' },
      { current: false, userAgent: 'agent 0', ip: '192.0.2.0' },
    ]);
    expect(sessions[2]).toMatchObject({ id: first.sessionId, lastUsedAt: sessions[2]?.createdAt });
  });

  it('ends one of the caller’s live sessions, and nothing that is not one', async () => {
    const [mine, other] = await signedIn(2);
    const [stranger] = await signedIn(1);
    if (!mine || !other || !stranger) throw new Error('three logins expected');

    for (const sessionId of [stranger.sessionId, randomUUID(), null]) {
      expect(await codeOf(services().sessions.revoke(mine, sessionId))).toBe('SESSION_NOT_FOUND');
    }
    await services().sessions.revoke(mine, other.sessionId);
    expect(await codeOf(services().sessions.revoke(mine, other.sessionId))).toBe('SESSION_NOT_FOUND');
    expect(await codeOf(services().auth.authenticate(other.accessToken))).toBe('TOKEN_INVALID');
    expect((await services().sessions.list(mine)).map((session) => session.id)).toEqual([mine.sessionId]);
    expect(await services().sessions.list(stranger)).toHaveLength(1);
  });

  it('ends every other live session and counts only those it ended', async () => {
    const [kept, ...others] = await signedIn(4);
    if (!kept) throw new Error('four logins expected');
    await services().sessions.revoke(kept, others[0]?.sessionId ?? null);

    expect(await services().sessions.revokeOthers(kept)).toBe(2);
    expect(await services().sessions.revokeOthers(kept)).toBe(0);
    expect((await services().sessions.list(kept)).map((session) => session.id)).toEqual([kept.sessionId]);
  });
});
