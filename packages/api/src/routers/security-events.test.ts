/**
 * `users.securityEvents` through callers on real databases (SQLite, and PostgreSQL when it
 * answers): what sign-ins, failures, password changes, sign-outs, ended sessions and refresh
 * reuse record, with where each call came from; newest first, the caller's own only; bad
 * input answered BAD_REQUEST; events past the retention purged.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, signedIn, type TestHarness } from '../testing.js';

const laptop = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', clientIp: '203.0.113.7' };
const phone = { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1', clientIp: '198.51.100.23' };
const thief = { userAgent: 'curl/8.5.0', clientIp: '192.0.2.66' };
const minute = 60_000;

describe.each(await testDialects())('users.securityEvents on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());

  const sessionIdOf = (token: string) => h.core.tokens.verify(token, 'access')?.sid ?? '';
  const step = () => h.clock.advance(minute);

  it('lists what happened to the account, newest first, with the address and user agent of each call', async () => {
    const { email, password } = await h.createUser();
    const onLaptop = signedIn(await h.caller(laptop).auth.login({ email, password }));
    step();
    expect((await rejectionOf(h.caller(phone).auth.login({ email, password: 'wrong-password-1' }))).code).toBe(
      'UNAUTHORIZED',
    );
    step();
    const onPhone = signedIn(await h.caller(phone).auth.login({ email, password }));
    step();
    await h.caller(laptop).auth.refresh({ refreshToken: onLaptop.refreshToken });
    step();
    // The spent laptop token comes back from somewhere else: reuse, the session ends.
    expect((await rejectionOf(h.caller(thief).auth.refresh({ refreshToken: onLaptop.refreshToken }))).code).toBe(
      'UNAUTHORIZED',
    );
    step();
    const onTablet = signedIn(await h.caller(laptop).auth.login({ email, password }));
    step();
    const asPhone = h.caller({ ...phone, accessToken: onPhone.accessToken });
    await asPhone.sessions.revoke({ sessionId: sessionIdOf(onTablet.accessToken) });
    step();
    const newPassword = 'Correct-Horse-Battery-9';
    await asPhone.users.changePassword({ currentPassword: password, newPassword });
    step();
    await asPhone.auth.logout();
    step();
    const again = signedIn(await h.caller(laptop).auth.login({ email, password: newPassword }));
    const me = h.caller({ ...laptop, accessToken: again.accessToken });

    const { events } = await me.users.securityEvents();
    const from = (client: typeof laptop) => ({ ip: client.clientIp, userAgent: client.userAgent });
    expect(events.map(({ type, ip, userAgent }) => ({ type, ip, userAgent }))).toEqual([
      { type: 'login', ...from(laptop) },
      { type: 'logout', ...from(phone) },
      { type: 'password_changed', ...from(phone) },
      { type: 'session_revoked', ...from(phone) },
      { type: 'login', ...from(laptop) },
      { type: 'refresh_reuse_detected', ...from(thief) },
      { type: 'login', ...from(phone) },
      { type: 'login_failed', ...from(phone) },
      { type: 'login', ...from(laptop) },
    ]);
    const times = events.map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events[0]?.at).toBe(h.clock.now().toISOString());

    const latestTwo = await me.users.securityEvents({ limit: 2 });
    expect(latestTwo.events).toEqual(events.slice(0, 2));

    // Someone else sees only their own.
    const other = await h.loginAs();
    const theirs = await other.caller.users.securityEvents({ limit: 200 });
    expect(theirs.events.map((event) => event.type)).toEqual(['login']);
  });

  it('records sessions.revokeOthers and a login of an unknown address records nothing', async () => {
    const { email, password } = await h.createUser();
    signedIn(await h.caller(laptop).auth.login({ email, password }));
    step();
    const onPhone = signedIn(await h.caller(phone).auth.login({ email, password }));
    step();
    await rejectionOf(h.caller(phone).auth.login({ email: `nobody-${email}`, password }));
    const asPhone = h.caller({ ...phone, accessToken: onPhone.accessToken });
    expect((await asPhone.sessions.revokeOthers()).revoked).toBe(1);
    const { events } = await asPhone.users.securityEvents({});
    expect(events.map((event) => event.type)).toEqual(['session_revoked', 'login', 'login']);
  });

  it('answers BAD_REQUEST with a field error for a limit out of range or not an integer', async () => {
    const { session } = await h.loginAs();
    for (const input of [{ limit: 0 }, { limit: 201 }, { limit: '10' }, { limit: 1.5 }, { limit: null }, 'x']) {
      const answer = await h.http('users.securityEvents', { method: 'GET', input, accessToken: session.accessToken });
      expect(answer.status, JSON.stringify(input)).toBe(400);
      expect(answer.body.error?.data.code).toBe('BAD_REQUEST');
      if (typeof input === 'object') expect(Object.keys(answer.body.error?.data.fieldErrors ?? {})).toEqual(['limit']);
    }
    const unauthenticated = await h.http('users.securityEvents', { method: 'GET' });
    expect(unauthenticated.status).toBe(401);
  });

  it('keeps events for AUDIT_RETENTION (90 days by default), then the purge deletes them', async () => {
    const { email, password } = await h.createUser();
    await rejectionOf(h.caller(laptop).auth.login({ email, password: 'wrong-password-2' }));
    h.clock.advance(89 * 86_400_000);
    await h.core.purgeExpired();
    const first = signedIn(await h.caller(laptop).auth.login({ email, password }));
    const kept = await h.caller({ accessToken: first.accessToken }).users.securityEvents();
    expect(kept.events.map((event) => event.type)).toEqual(['login', 'login_failed']);

    h.clock.advance(2 * 86_400_000);
    await h.core.purgeExpired();
    const second = signedIn(await h.caller(laptop).auth.login({ email, password }));
    const purged = await h.caller({ accessToken: second.accessToken }).users.securityEvents();
    expect(purged.events.map((event) => event.type)).toEqual(['login', 'login']);
  });
});
