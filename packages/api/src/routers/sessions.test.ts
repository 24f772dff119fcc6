/**
 * The `sessions` procedures through callers on real databases (SQLite, and PostgreSQL when it
 * answers): a user's devices listed, one ended, all others ended, and every id that is not
 * the caller's live session answered NOT_FOUND (never a 500).
 */
import { randomUUID } from 'node:crypto';
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, signedIn, type TestHarness } from '../testing.js';

const laptop = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', clientIp: '203.0.113.7' };
const phone = { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1', clientIp: '198.51.100.23' };

describe.each(await testDialects())('the sessions router on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());

  const codeOf = async (call: Promise<unknown>) => (await rejectionOf(call)).code;
  const as = (accessToken: string) => h.caller({ accessToken });
  const sessionIdOf = (token: string) => h.core.tokens.verify(token, 'access')?.sid ?? '';

  /** One account signed in on two devices, the phone a minute after the laptop. */
  async function twoDevices() {
    const { email, password } = await h.createUser();
    const onLaptop = signedIn(await h.caller(laptop).auth.login({ email, password }));
    h.clock.advance(60_000);
    const onPhone = signedIn(await h.caller(phone).auth.login({ email, password }));
    return { email, password, laptop: onLaptop, phone: onPhone };
  }

  describe('list', () => {
    it('lists the live sessions, newest first, with where each signed in and which is the caller’s', async () => {
      const devices = await twoDevices();
      const { sessions } = await as(devices.laptop.accessToken).sessions.list();

      expect(sessions).toEqual([
        {
          id: sessionIdOf(devices.phone.accessToken),
          current: false,
          createdAt: expect.any(String),
          lastUsedAt: expect.any(String),
          expiresAt: expect.any(String),
          userAgent: phone.userAgent,
          ip: phone.clientIp,
        },
        expect.objectContaining({
          id: sessionIdOf(devices.laptop.accessToken),
          current: true,
          userAgent: laptop.userAgent,
          ip: laptop.clientIp,
        }),
      ]);
      const [newest, oldest] = sessions;
      expect(Date.parse(newest?.createdAt ?? '') - Date.parse(oldest?.createdAt ?? '')).toBe(60_000);
      expect(Date.parse(newest?.expiresAt ?? '') - Date.parse(newest?.createdAt ?? '')).toBe(
        h.config.refreshTokenTtlSeconds * 1000,
      );
    });

    it('leaves out ended and expired sessions, and other users’ sessions', async () => {
      const devices = await twoDevices();
      await as(devices.phone.accessToken).auth.logout();
      await h.loginAs();
      const ids = (await as(devices.laptop.accessToken).sessions.list()).sessions.map((session) => session.id);
      expect(ids).toEqual([sessionIdOf(devices.laptop.accessToken)]);

      // Past the laptop session's absolute expiry, signed in again a little before it.
      h.clock.advance(h.config.refreshTokenTtlSeconds * 1000 - 120_000);
      const later = signedIn(await h.caller().auth.login({ email: devices.email, password: devices.password }));
      h.clock.advance(120_000);
      const live = (await as(later.accessToken).sessions.list()).sessions.map((session) => session.id);
      expect(live).toEqual([sessionIdOf(later.accessToken)]);
    });

    it('moves lastUsedAt on a refresh, not on other calls', async () => {
      const { session } = await h.loginAs();
      const lastUsed = async (accessToken: string) => (await as(accessToken).sessions.list()).sessions[0]?.lastUsedAt;
      const signedInAt = await lastUsed(session.accessToken);

      h.clock.advance(5 * 60_000);
      await as(session.accessToken).users.me();
      expect(await lastUsed(session.accessToken)).toBe(signedInAt);

      const pair = await h.caller().auth.refresh({ refreshToken: session.refreshToken });
      expect(await lastUsed(pair.accessToken)).toBe(h.clock.now().toISOString());
    });

    it('needs a bearer token', async () => {
      expect(await codeOf(h.caller().sessions.list())).toBe('UNAUTHORIZED');
    });
  });

  describe('revoke', () => {
    it('ends another device’s session: its access and refresh tokens are refused at once', async () => {
      const devices = await twoDevices();
      const result = await as(devices.laptop.accessToken).sessions.revoke({
        sessionId: sessionIdOf(devices.phone.accessToken),
      });

      expect(result).toEqual({ success: true });
      expect(await codeOf(as(devices.phone.accessToken).users.me())).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: devices.phone.refreshToken }))).toBe('UNAUTHORIZED');
      await expect(as(devices.laptop.accessToken).users.me()).resolves.toBeDefined();
      const ids = (await as(devices.laptop.accessToken).sessions.list()).sessions.map((session) => session.id);
      expect(ids).toEqual([sessionIdOf(devices.laptop.accessToken)]);
    });

    it('ends the caller’s own session too, given its id (in any letter case)', async () => {
      const { session } = await h.loginAs();
      const sessionId = sessionIdOf(session.accessToken).toUpperCase();
      expect(await as(session.accessToken).sessions.revoke({ sessionId })).toEqual({ success: true });
      expect(await codeOf(as(session.accessToken).users.me())).toBe('UNAUTHORIZED');
    });

    it('answers NOT_FOUND for someone else’s session, an unknown, an ended or a malformed id', async () => {
      const devices = await twoDevices();
      const stranger = await h.loginAs();
      const caller = as(devices.laptop.accessToken);
      await caller.sessions.revoke({ sessionId: sessionIdOf(devices.phone.accessToken) });

      for (const sessionId of [
        sessionIdOf(stranger.session.accessToken),
        randomUUID(),
        sessionIdOf(devices.phone.accessToken),
        'not-a-session-id',
        '00000000-0000-0000-0000-00000000000g',
        `${randomUUID()}x`,
        "1' or '1'='1",
        'ｆｆｆｆｆｆｆｆ-ｆｆｆｆ-ｆｆｆｆ-ｆｆｆｆ-ｆｆｆｆｆｆｆｆｆｆｆｆ',
        '\uD800',
        '🔑'.repeat(20),
      ]) {
        const error = await rejectionOf(caller.sessions.revoke({ sessionId }));
        expect([sessionId, error.code]).toEqual([sessionId, 'NOT_FOUND']);
      }
      // Nothing was ended on the way.
      await expect(as(stranger.session.accessToken).users.me()).resolves.toBeDefined();
      await expect(caller.users.me()).resolves.toBeDefined();
    });

    it('refuses ill-typed and oversized input with BAD_REQUEST and a field error', async () => {
      const { caller } = await h.loginAs();
      for (const sessionId of [7, null, true, ['x'], { id: 'x' }, '', '   ', 'y'.repeat(30_000)]) {
        const error = await rejectionOf(caller.sessions.revoke({ sessionId } as never));
        expect(error.code).toBe('BAD_REQUEST');
      }
      for (const input of [undefined, null, 42, 'x', []]) {
        expect(await codeOf(caller.sessions.revoke(input as never))).toBe('BAD_REQUEST');
      }
    });

    it('needs a bearer token', async () => {
      expect(await codeOf(h.caller().sessions.revoke({ sessionId: randomUUID() }))).toBe('UNAUTHORIZED');
    });
  });

  describe('revokeOthers', () => {
    it('ends every other live session of the caller and says how many', async () => {
      const devices = await twoDevices();
      const third = signedIn(await h.caller().auth.login({ email: devices.email, password: devices.password }));
      const stranger = await h.loginAs();

      const result = await as(devices.laptop.accessToken).sessions.revokeOthers();

      expect(result).toEqual({ success: true, revoked: 2 });
      for (const ended of [devices.phone, third]) {
        expect(await codeOf(as(ended.accessToken).users.me())).toBe('UNAUTHORIZED');
        expect(await codeOf(h.caller().auth.refresh({ refreshToken: ended.refreshToken }))).toBe('UNAUTHORIZED');
      }
      await expect(as(devices.laptop.accessToken).users.me()).resolves.toBeDefined();
      await expect(h.caller().auth.refresh({ refreshToken: devices.laptop.refreshToken })).resolves.toBeDefined();
      await expect(as(stranger.session.accessToken).users.me()).resolves.toBeDefined();
      expect(await as(devices.laptop.accessToken).sessions.revokeOthers()).toEqual({ success: true, revoked: 0 });
    });

    it('needs a bearer token', async () => {
      expect(await codeOf(h.caller().sessions.revokeOthers())).toBe('UNAUTHORIZED');
    });
  });
});
