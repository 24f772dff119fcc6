/**
 * Security notices over real HTTP, on SQLite and PostgreSQL, read back from a real SMTP
 * server: a password changed or reset, two-step sign-in turned on or off, a session ended
 * because its spent refresh token came back. Each is a text and an HTML part to the account's
 * address saying what happened, when (UTC) and what to do if it was not the owner. (The
 * email-changed notice: email-change.test.ts.) Also: an account an operator disables between
 * the password and the code never gets its session, a disabled account gets no reset link
 * (nor can use one it got before), and a deleted account's events go with it but for an
 * anonymous trace.
 */
import { createAdmin, createManualClock } from '@keyway/auth-core';
import { type ReceivedMail, testDialects, totpCodeAt } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, password, startTestServer, type TestServer } from './testing.js';

const appUrl = 'https://app.example.com';
const when = '2026-06-01 10:00 UTC';

/** What every notice says: what happened, when, and what to do if it was not you (text and HTML alike). */
function expectNotice(mail: ReceivedMail, to: string, happened: string) {
  expect(mail.to).toBe(to);
  for (const part of [mail.text, mail.html]) {
    expect(part).toContain(happened);
    expect(part).toContain(when);
    expect(part).toContain('If it was not you');
    expect(part).toContain(`${appUrl}/forgot-password`);
  }
  expect(mail.html).toMatch(/^<p>/);
}

describe.each(await testDialects())('security mails over HTTP on %s', (dialect) => {
  let t: TestServer;
  const clock = createManualClock(new Date('2026-06-01T10:00:05Z'));
  beforeAll(async () => {
    t = await startTestServer({ dialect, clock, env: { APP_URL: appUrl } });
  });
  afterAll(() => t.stop());

  const address = (name: string) => `${name}-${dialect}@example.com`;
  const signedUp = async (name: string) => {
    const email = address(name);
    await t.register(email);
    return { email, session: await t.login(email) };
  };

  it('tells the account when its password was changed, and when it was reset', async () => {
    const { email, session } = await signedUp('password');
    const newPassword = 'another-Long-passphrase-43';
    await t.mutationData(
      'users.changePassword',
      { currentPassword: password, newPassword },
      { token: session.accessToken },
    );
    const changed = await t.mailbox.waitFor(email, { subject: /password was changed/i });
    expect(changed.subject).toBe('Your Keyway password was changed');
    expectNotice(changed, email, 'was changed; every other session was signed out');

    await t.mutationData('users.requestPasswordReset', { email });
    const link = await t.mailbox.waitFor(email, { subject: /reset your password/i });
    await t.mutationData('users.resetPassword', { token: t.mailbox.tokenFrom(link), newPassword: password });
    await t.server.core.idle();
    const notices = t.mailbox.messages.filter((mail) => mail.to === email && /was changed/.test(mail.subject));
    expect(notices).toHaveLength(2);
    expectNotice(notices[1] as ReceivedMail, email, 'was reset with a link sent to this address');
  });

  it('tells the account when two-step sign-in is turned on and off', async () => {
    const { email, session } = await signedUp('mfa');
    const bearer = { token: session.accessToken };
    const { secret } = await t.mutationData('mfa.setup', { password }, bearer);
    await t.mutationData('mfa.enable', { code: totpCodeAt(secret, clock.now()) }, bearer);
    const on = await t.mailbox.waitFor(email, { subject: /turned on/ });
    expect(on.subject).toBe('Two-step sign-in was turned on');
    expectNotice(on, email, 'Two-step sign-in (a code from an authenticator app) was turned on');

    clock.advance(30_000);
    await t.mutationData('mfa.disable', { password, code: totpCodeAt(secret, clock.now()) }, bearer);
    const off = await t.mailbox.waitFor(email, { subject: /turned off/ });
    expect(off.subject).toBe('Two-step sign-in was turned off');
    expectNotice(off, email, 'Signing in now takes only the password');
    clock.set(new Date('2026-06-01T10:00:05Z'));
  });

  it('tells the account once when a session ends because its spent refresh token came back', async () => {
    const { email, session } = await signedUp('reuse');
    await t.mutationData('auth.refresh', { refreshToken: session.refreshToken });
    clock.advance(11_000); // past REFRESH_REUSE_GRACE
    for (let i = 0; i < 2; i++) {
      const replay = await t.mutation('auth.refresh', { refreshToken: session.refreshToken });
      expect(replay.status).toBe(401);
    }
    await t.server.core.idle();
    const notices = t.mailbox.messages.filter((mail) => mail.to === email && /signed out/.test(mail.subject));
    expect(notices.map((mail) => mail.subject)).toEqual(['A Keyway session was signed out for your safety']);
    expectNotice(notices[0] as ReceivedMail, email, 'a sign-in token it had already replaced was used again');
    clock.set(new Date('2026-06-01T10:00:05Z'));
  });

  it('refuses auth.verifyMfa for an account disabled after the password step', async () => {
    const { email, session } = await signedUp('disabled');
    const bearer = { token: session.accessToken };
    const { secret } = await t.mutationData('mfa.setup', { password }, bearer);
    await t.mutationData('mfa.enable', { code: totpCodeAt(secret, clock.now()) }, bearer);
    clock.advance(30_000);
    const challenge = await t.mutationData('auth.login', { email, password });
    if (!('mfaRequired' in challenge)) throw new Error('expected mfaRequired');

    expect(await createAdmin({ orm: t.orm, clock }).disableUser(email)).toBe(true);
    const refused = await t.mutation('auth.verifyMfa', {
      mfaToken: challenge.mfaToken,
      code: totpCodeAt(secret, clock.now()),
    });
    expect(refused.status).toBe(401);
    expect([errorOf(refused).data.code, errorOf(refused).message]).toEqual([
      'UNAUTHORIZED',
      'This account is disabled',
    ]);
    expect(refused.text).not.toContain('accessToken');
    clock.set(new Date('2026-06-01T10:00:05Z'));
  });

  it('sends a disabled account no reset link, and refuses one sent before', async () => {
    const { email } = await signedUp('disabled-reset');
    await t.mutationData('users.requestPasswordReset', { email });
    const link = await t.mailbox.waitFor(email, { subject: /reset your password/i });
    expect(await createAdmin({ orm: t.orm, clock }).disableUser(email)).toBe(true);
    await t.mutationData('users.requestPasswordReset', { email });
    await t.server.core.idle();
    expect(t.mailbox.messages.filter((mail) => mail.to === email && /reset/i.test(mail.subject))).toHaveLength(1);
    const newPassword = 'another-Long-passphrase-44';
    const refused = await t.mutation('users.resetPassword', { token: t.mailbox.tokenFrom(link), newPassword });
    expect([refused.status, errorOf(refused).message]).toEqual([401, 'This account is disabled']);
  });

  it('deletes an account with its events, keeping only an anonymous account_deleted', async () => {
    const { session } = await signedUp('deleted');
    const rows = (sql: string) => t.orm.em.getConnection().execute<Record<string, unknown>[]>(sql);
    const traces = `select user_id, ip, user_agent from security_event where type = 'account_deleted'`;
    const before = (await rows(traces)).length;
    expect((await rows(`select id from security_event where user_id = '${session.user.id}'`)).length).toBeGreaterThan(
      0,
    );

    await t.mutationData('users.deleteAccount', { password }, { token: session.accessToken });
    expect(await rows(`select id from security_event where user_id = '${session.user.id}'`)).toEqual([]);
    const after = await rows(traces);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toEqual({ user_id: null, ip: null, user_agent: null });
  });
});
