/**
 * Changing the account's email over real HTTP, on SQLite and PostgreSQL, with mail through a
 * real SMTP server: the link goes to the new address, following it moves the account there
 * (verified) and tells the old address; the answer never says whether the new address is
 * taken; wrong passwords count toward the per-account backoff; the new address's mail limit
 * holds; a password change or reset ends a pending change (its link, and its message however
 * long it has been retried); a disabled account cannot confirm; bad input is a 400, never a
 * 500. (Concurrent confirmations on a SQLite file: email-change-concurrency.test.ts.)
 */
import { createAdmin, createManualClock } from '@keyway/auth-core';
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorOf, type Outputs, password, startTestServer, type TestServer } from './testing.js';

const appUrl = 'https://app.example.com';
const userAgent = 'EmailChangeTest/1.0';

describe.each(await testDialects())('email change over HTTP on %s', (dialect) => {
  let t: TestServer;
  const clock = createManualClock(new Date());
  beforeAll(async () => {
    t = await startTestServer({
      dialect,
      clock,
      env: { APP_URL: appUrl, LOGIN_BACKOFF_AFTER: '3', MAIL_ACCOUNT_LIMIT: '2/1h' },
    });
  });
  afterAll(() => t.stop());

  const address = (name: string) => `${name}-${dialect}@example.com`;
  const mailsTo = (to: string) => t.mailbox.messages.filter((mail) => mail.to === to);
  const changeLinks = (to: string) => mailsTo(to).filter((mail) => /new email address/i.test(mail.subject));
  const requestChange = async (token: string, newEmail: string, secret = password) =>
    await t.mutationData('users.requestEmailChange', { newEmail, password: secret }, { token });
  /** The token of the link mailed to `newEmail` for a change the session asks for. */
  const changeToken = async (token: string, newEmail: string, secret = password) => {
    await requestChange(token, newEmail, secret);
    return t.mailbox.tokenFrom(await t.mailbox.waitFor(newEmail, { subject: /new email address/i }));
  };
  const confirm = (token: string) => t.mutation('users.confirmEmailChange', { token });

  it('mails a link to the new address; following it moves the account there and tells the old one', async () => {
    const [oldEmail, newEmail] = [address('mover'), address('moved')];
    const session = await t.registerAndLogin(oldEmail);
    const bearer = { token: session.accessToken };
    const requested = await t.mutation(
      'users.requestEmailChange',
      { newEmail: `  ${newEmail.toUpperCase()} `, password },
      bearer,
    );
    expect(dataOf(requested)).toEqual({ success: true });

    const link = await t.mailbox.waitFor(newEmail, { subject: /new email address/i });
    expect(link.text).toContain(`${appUrl}/confirm-email-change?token=`);
    expect(link.html).toContain(`${appUrl}/confirm-email-change?token=`);
    // Until the link is followed, the old address is the account's.
    await t.login(oldEmail);

    const token = t.mailbox.tokenFrom(link);
    const confirmed = await t.mutation('users.confirmEmailChange', { token }, { headers: { 'User-Agent': userAgent } });
    expect(dataOf<Outputs['users']['confirmEmailChange']>(confirmed).user).toMatchObject({
      id: session.user.id,
      email: newEmail,
      emailVerified: true,
    });
    const again = await t.mutation('users.confirmEmailChange', { token });
    expect([again.status, errorOf(again).data.code]).toEqual([400, 'BAD_REQUEST']);

    // The session it was asked from goes on, and sees the new address.
    const me = await t.queryData('users.me', undefined, bearer);
    expect(me.user).toMatchObject({ email: newEmail, emailVerified: true });

    const notice = await t.mailbox.waitFor(oldEmail, { subject: /email address was changed/i });
    expect(notice.text).toContain(`from ${oldEmail} to ${newEmail}`);
    expect(notice.text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(notice.text).toMatch(/If it was not you/);
    expect(notice.html).toContain(newEmail);

    expect((await t.mutation('auth.login', { email: oldEmail, password })).status).toBe(401);
    await t.login(newEmail);

    const { events } = await t.queryData('users.securityEvents', undefined, bearer);
    expect(events.find((event) => event.type === 'email_changed')).toMatchObject({ ip: '127.0.0.1', userAgent });
  });

  it('refuses a wrong password with fieldErrors.password, counted toward the account backoff', async () => {
    const email = address('guessed');
    const bearer = { token: (await t.registerAndLogin(email)).accessToken };
    const newEmail = address('guessed-new');
    for (let i = 0; i < 3; i++) {
      const wrong = await t.mutation('users.requestEmailChange', { newEmail, password: 'not-the-password' }, bearer);
      expect(wrong.status).toBe(400);
      expect(errorOf(wrong).data.fieldErrors?.password).toEqual(['Password is incorrect']);
    }
    const refused = await t.mutation('users.requestEmailChange', { newEmail, password }, bearer);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await t.server.core.idle();
    expect(mailsTo(newEmail)).toEqual([]);
  });

  it('answers a taken or unchanged address like any other and mails nothing', async () => {
    const email = address('limited');
    const taken = address('taken');
    await t.register(taken);
    const bearer = { token: (await t.registerAndLogin(email)).accessToken };
    for (const newEmail of [taken, email]) {
      const reply = await t.mutation('users.requestEmailChange', { newEmail, password }, bearer);
      expect(dataOf(reply)).toEqual({ success: true });
    }
    await t.server.core.idle();
    expect(changeLinks(taken)).toEqual([]);
    expect(changeLinks(email)).toEqual([]);
  });

  it('sends at most MAIL_ACCOUNT_LIMIT links to one new address, and for one account, answering alike past it', async () => {
    const fresh = address('wanted');
    const [first, second] = [address('asker-1'), address('asker-2')];
    for (const email of [first, second]) {
      const { accessToken } = await t.registerAndLogin(email);
      for (let i = 0; i < 2; i++) {
        await requestChange(accessToken, fresh);
        await t.server.core.idle();
      }
    }
    expect(changeLinks(fresh)).toHaveLength(2);

    const { accessToken } = await t.registerAndLogin(address('sprayer'));
    const targets = ['a', 'b', 'c', 'd'].map((name) => address(`sprayed-${name}`));
    for (const target of targets) {
      await requestChange(accessToken, target);
      await t.server.core.idle();
    }
    expect(targets.map((target) => changeLinks(target).length)).toEqual([1, 1, 0, 0]);
  });

  it('answers CONFLICT with a field error when the new address was taken after the link was sent', async () => {
    const [email, newEmail] = [address('racer'), address('raced')];
    const bearer = { token: (await t.registerAndLogin(email)).accessToken };
    await t.mutationData('users.requestEmailChange', { newEmail, password }, bearer);
    const link = await t.mailbox.waitFor(newEmail, { subject: /new email address/i });
    await t.register(newEmail);
    const reply = await t.mutation('users.confirmEmailChange', { token: t.mailbox.tokenFrom(link) });
    expect(reply.status).toBe(409);
    expect(errorOf(reply).data).toMatchObject({
      code: 'CONFLICT',
      fieldErrors: { email: ['This address now belongs to another account'] },
    });
    const me = await t.queryData('users.me', undefined, bearer);
    expect(me.user.email).toBe(email);
  });

  it('ends a pending change when the password is changed or reset: its link no longer confirms', async () => {
    const email = address('owner');
    const session = await t.registerAndLogin(email);
    const stolen = await changeToken(session.accessToken, address('thief'));
    const newPassword = 'owner-Took-it-back-77';
    const changed = { currentPassword: password, newPassword };
    await t.mutationData('users.changePassword', changed, { token: session.accessToken });
    expect((await confirm(stolen)).status).toBe(400);

    const again = await changeToken(session.accessToken, address('thief-again'), newPassword);
    await t.mutationData('users.requestPasswordReset', { email });
    const reset = await t.mailbox.waitFor(email, { subject: /reset your password/i });
    await t.mutationData('users.resetPassword', { token: t.mailbox.tokenFrom(reset), newPassword: password });
    expect((await confirm(again)).status).toBe(400);
    await t.login(email);
  });

  it('sends no link for a change asked before a password change, however long its mail is retried', async () => {
    const email = address('retried');
    const session = await t.registerAndLogin(email);
    const thief = address('retried-thief');
    // The thief's mail server refuses: the message stays queued, retried for hours.
    t.mailbox.setRejecting(true);
    await requestChange(session.accessToken, thief);
    await t.server.core.idle();
    t.mailbox.setRejecting(false);
    const newPassword = 'owner-Took-it-back-78';
    const changed = { currentPassword: password, newPassword };
    await t.mutationData('users.changePassword', changed, { token: session.accessToken });
    // The owner's own change, asked for afterwards, must survive the old message's retries.
    const own = await changeToken(session.accessToken, address('retried-own'), newPassword);
    clock.advance(5 * 60_000);
    await t.server.core.idle();
    expect(changeLinks(thief)).toEqual([]);
    expect(dataOf<Outputs['users']['confirmEmailChange']>(await confirm(own)).user.email).toBe(address('retried-own'));
  });

  it("cancels a pending change when asked for the account's own address", async () => {
    const email = address('undo');
    const session = await t.registerAndLogin(email);
    const token = await changeToken(session.accessToken, address('undo-new'));
    await requestChange(session.accessToken, email);
    expect((await confirm(token)).status).toBe(400);
  });

  it('refuses to move a disabled account', async () => {
    const email = address('disabled');
    const session = await t.registerAndLogin(email);
    const token = await changeToken(session.accessToken, address('disabled-new'));
    expect(await createAdmin({ orm: t.orm, clock }).disableUser(email)).toBe(true);
    const reply = await confirm(token);
    expect([reply.status, errorOf(reply).data.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(errorOf(reply).message).toBe('This account is disabled');
    expect(changeLinks(address('disabled-new'))).toHaveLength(1);
  });

  it('answers bad input with 400 and field errors, never 500', async () => {
    const bearer = { token: (await t.registerAndLogin(address('inputs'))).accessToken };
    const requests: unknown[] = [
      { newEmail: 'not-an-email', password },
      { newEmail: `${'a'.repeat(250)}@example.com`, password },
      { newEmail: 'x\ud800@example.com', password },
      { newEmail: 42, password },
      { newEmail: ['a@b.co'], password },
      { newEmail: address('fine'), password: 'ab\udc00cdefgh' },
      { newEmail: address('fine'), password: 'p'.repeat(2000) },
      { newEmail: address('fine') },
      null,
      'a string',
    ];
    for (const input of requests) {
      const reply = await t.mutation('users.requestEmailChange', input, bearer);
      expect(reply.status, JSON.stringify(input)?.slice(0, 60)).toBe(400);
    }
    // Past the body limit: refused before it is parsed.
    const huge = await t.mutation('users.requestEmailChange', { newEmail: 'e'.repeat(200_000), password }, bearer);
    expect(huge.status).toBe(413);
    const noEmail = await t.mutation('users.requestEmailChange', { newEmail: 'nope', password }, bearer);
    expect(errorOf(noEmail).data.fieldErrors?.newEmail).toEqual(['Enter a valid email address']);
    for (const token of [undefined, '', 7, 'x'.repeat(5000), '\ud800', 'not-a-token']) {
      const reply = await t.mutation('users.confirmEmailChange', { token });
      expect(reply.status, String(token).slice(0, 20)).toBe(400);
    }
    // Authentication first: no session, no change.
    expect((await t.mutation('users.requestEmailChange', { newEmail: address('x'), password })).status).toBe(401);
  });
});
