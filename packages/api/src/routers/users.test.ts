/**
 * The `users` procedures through callers on real databases, with mail delivered to a real
 * in-process SMTP server and parsed: registration, the profile, password change, the reset
 * flow and address verification.
 */
import type { ReceivedMail } from '@keyway/auth-core/testing';
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, type TestHarness } from '../testing.js';

describe.each(await testDialects())('the users router on %s', (dialect) => {
  let h: TestHarness;
  let counter = 0;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());

  const codeOf = async (call: Promise<unknown>) => (await rejectionOf(call)).code;
  const me = (accessToken: string) => h.caller({ accessToken }).users.me();
  const uniqueEmail = (label: string) => `${label}-${++counter}-${dialect}@example.com`;

  /** Mail to `email` with a matching subject, once queued mail has gone out. */
  async function mailsTo(email: string, subject: RegExp): Promise<ReceivedMail[]> {
    await h.core.idle();
    return h.mailbox.messages.filter((mail) => mail.to === email && subject.test(mail.subject));
  }

  async function lastMailTo(email: string, subject: RegExp): Promise<ReceivedMail> {
    const mail = (await mailsTo(email, subject)).at(-1);
    if (!mail) throw new Error(`no mail to ${email} matching ${subject}`);
    return mail;
  }

  describe('register', () => {
    it('creates an unverified account for the normalised email, with ISO dates and no hash', async () => {
      const email = uniqueEmail('register');
      const { user } = await h
        .caller()
        .users.register({ email: `  ${email.toUpperCase()}  `, password: 'plum-orbit-cascade' });
      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email,
        emailVerified: false,
        mfaEnabled: false,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updatedAt: expect.any(String),
      });
    });

    it('sends a verification email with a link to the web app', async () => {
      const email = uniqueEmail('welcome');
      await h.caller().users.register({ email, password: 'plum-orbit-cascade' });
      const mail = await lastMailTo(email, /Confirm your email address/);
      expect(mail.from).toBe('no-reply@localhost');
      expect(mail.text).toContain(`${h.config.appUrl}/verify-email?token=${h.mailbox.tokenFrom(mail)}`);
      expect(mail.html).toContain('verify-email?token=');
    });

    it('refuses a taken email with CONFLICT, whatever its case', async () => {
      const { email } = await h.createUser();
      for (const variant of [email, email.toUpperCase(), ` ${email} `]) {
        const error = await rejectionOf(
          h.caller().users.register({ email: variant, password: 'violet-harbor-lantern' }),
        );
        expect([error.code, error.message]).toEqual(['CONFLICT', 'An account with this email already exists']);
      }
    });

    it('refuses invalid input with BAD_REQUEST', async () => {
      const register = (email: string, password: string) => codeOf(h.caller().users.register({ email, password }));
      expect(await register('not-an-email', 'plum-orbit-cascade')).toBe('BAD_REQUEST');
      expect(await register(`${'a'.repeat(250)}@x.io`, 'plum-orbit-cascade')).toBe('BAD_REQUEST');
      expect(await register(uniqueEmail('short'), 'short')).toBe('BAD_REQUEST');
      expect(await register(uniqueEmail('long'), 'x'.repeat(129))).toBe('BAD_REQUEST');
    });

    it('refuses a common password or one containing the email, with a field error', async () => {
      const common = await rejectionOf(
        h.caller().users.register({ email: uniqueEmail('common'), password: 'Password1' }),
      );
      expect(common.code).toBe('BAD_REQUEST');
      expect(common.cause).toMatchObject({ fieldErrors: { password: [expect.stringMatching(/too common/)] } });
      const email = uniqueEmail('grace');
      const personal = await rejectionOf(h.caller().users.register({ email, password: `${email.split('@')[0]}-2024` }));
      expect(personal.cause).toMatchObject({ fieldErrors: { password: [expect.stringMatching(/email/)] } });
      expect(await codeOf(h.caller().auth.login({ email, password: `${email.split('@')[0]}-2024` }))).toBe(
        'UNAUTHORIZED',
      );
    });
  });

  describe('me', () => {
    it('returns the caller’s user', async () => {
      const { caller, session } = await h.loginAs();
      expect(await caller.users.me()).toEqual({ user: session.user });
      expect(session.user.emailVerified).toBe(false);
    });

    it('requires authentication', async () => {
      expect(await codeOf(h.caller().users.me())).toBe('UNAUTHORIZED');
    });
  });

  describe('changePassword', () => {
    it('refuses a wrong current password with a field error, and keeps the old password', async () => {
      const { caller, email, password } = await h.loginAs();
      const error = await rejectionOf(
        caller.users.changePassword({ currentPassword: 'not-the-password', newPassword: 'violet-harbor-lantern' }),
      );
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.cause).toMatchObject({ fieldErrors: { currentPassword: ['Current password is incorrect'] } });
      await expect(h.caller().auth.login({ email, password })).resolves.toBeDefined();
    });

    it('refuses a weak new password with a field error', async () => {
      const { caller, password } = await h.loginAs();
      const error = await rejectionOf(
        caller.users.changePassword({ currentPassword: password, newPassword: 'iloveyou' }),
      );
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.cause).toMatchObject({ fieldErrors: { newPassword: [expect.stringMatching(/too common/)] } });
    });

    it('changes the password, revokes every other session and keeps the current one', async () => {
      const current = await h.loginAs();
      const other = await h.loginAs(current);
      const newPassword = 'violet-harbor-lantern';
      expect(await current.caller.users.changePassword({ currentPassword: current.password, newPassword })).toEqual({
        success: true,
      });

      await expect(me(current.session.accessToken)).resolves.toBeDefined();
      await expect(h.caller().auth.refresh({ refreshToken: current.session.refreshToken })).resolves.toBeDefined();
      expect(await codeOf(me(other.session.accessToken))).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: other.session.refreshToken }))).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.login({ email: current.email, password: current.password }))).toBe(
        'UNAUTHORIZED',
      );
      await expect(h.caller().auth.login({ email: current.email, password: newPassword })).resolves.toBeDefined();
    });

    it('requires authentication', async () => {
      expect(
        await codeOf(h.caller().users.changePassword({ currentPassword: 'x', newPassword: 'violet-harbor-lantern' })),
      ).toBe('UNAUTHORIZED');
    });
  });

  describe('password reset', () => {
    it('works end to end: old password and old tokens refused, new password accepted, link single-use', async () => {
      const account = await h.loginAs();
      const other = await h.loginAs(account);
      expect(await h.caller().users.requestPasswordReset({ email: account.email.toUpperCase() })).toEqual({
        success: true,
      });
      const mail = await lastMailTo(account.email, /Reset your password/);
      expect(mail.text).toContain(`${h.config.appUrl}/reset-password?token=`);
      const token = h.mailbox.tokenFrom(mail);

      const newPassword = 'amber-quartz-meadow';
      expect(await h.caller().users.resetPassword({ token, newPassword })).toEqual({ success: true });

      expect(await codeOf(h.caller().auth.login({ email: account.email, password: account.password }))).toBe(
        'UNAUTHORIZED',
      );
      await expect(h.caller().auth.login({ email: account.email, password: newPassword })).resolves.toBeDefined();
      for (const session of [account.session, other.session]) {
        expect(await codeOf(me(session.accessToken))).toBe('UNAUTHORIZED');
        expect(await codeOf(h.caller().auth.refresh({ refreshToken: session.refreshToken }))).toBe('UNAUTHORIZED');
      }
      const again = await rejectionOf(h.caller().users.resetPassword({ token, newPassword: 'violet-harbor-lantern' }));
      expect([again.code, again.message]).toEqual(['BAD_REQUEST', 'Invalid, used or expired password reset token']);
    });

    it('expires the link after RESET_TOKEN_TTL', async () => {
      const { email } = await h.createUser();
      await h.caller().users.requestPasswordReset({ email });
      const token = h.mailbox.tokenFrom(await lastMailTo(email, /Reset/));
      h.clock.advance(h.config.resetTokenTtlSeconds * 1000);
      expect(await codeOf(h.caller().users.resetPassword({ token, newPassword: 'amber-quartz-meadow' }))).toBe(
        'BAD_REQUEST',
      );
    });

    it('answers an unknown email exactly like a known one, and sends nothing', async () => {
      const email = uniqueEmail('ghost');
      expect(await h.caller().users.requestPasswordReset({ email })).toEqual({ success: true });
      expect(await mailsTo(email, /./)).toEqual([]);
    });

    it('refuses a weak new password with a field error and leaves the link usable', async () => {
      const { email } = await h.createUser();
      await h.caller().users.requestPasswordReset({ email });
      const token = h.mailbox.tokenFrom(await lastMailTo(email, /Reset/));
      const weak = await rejectionOf(h.caller().users.resetPassword({ token, newPassword: 'sunshine' }));
      expect(weak.code).toBe('BAD_REQUEST');
      expect(weak.cause).toMatchObject({ fieldErrors: { newPassword: [expect.stringMatching(/too common/)] } });
      const short = await rejectionOf(h.caller().users.resetPassword({ token, newPassword: 'short' }));
      expect(short.code).toBe('BAD_REQUEST');
      expect(await h.caller().users.resetPassword({ token, newPassword: 'amber-quartz-meadow' })).toEqual({
        success: true,
      });
    });

    it('refuses a garbage token and a verification token with BAD_REQUEST', async () => {
      const email = uniqueEmail('mixup');
      await h.caller().users.register({ email, password: 'plum-orbit-cascade' });
      const verifyToken = h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/));
      for (const token of ['garbage', verifyToken]) {
        expect(await codeOf(h.caller().users.resetPassword({ token, newPassword: 'amber-quartz-meadow' }))).toBe(
          'BAD_REQUEST',
        );
      }
    });

    it('tells whether a link still works without spending it: good, then used, then expired', async () => {
      const { email } = await h.createUser();
      await h.caller().users.requestPasswordReset({ email });
      const token = h.mailbox.tokenFrom(await lastMailTo(email, /Reset/));
      expect(await h.caller().users.checkResetToken({ token })).toEqual({ valid: true });
      expect(await h.caller().users.checkResetToken({ token })).toEqual({ valid: true });
      await h.caller().users.resetPassword({ token, newPassword: 'amber-quartz-meadow' });
      expect(await h.caller().users.checkResetToken({ token })).toEqual({ valid: false });

      await h.caller().users.requestPasswordReset({ email });
      const later = h.mailbox.tokenFrom(await lastMailTo(email, /Reset/));
      h.clock.advance(h.config.resetTokenTtlSeconds * 1000);
      expect(await h.caller().users.checkResetToken({ token: later })).toEqual({ valid: false });
    });

    it('calls a garbage token or a verification token not valid', async () => {
      const email = uniqueEmail('check');
      await h.caller().users.register({ email, password: 'plum-orbit-cascade' });
      const verifyToken = h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/));
      for (const token of ['garbage', verifyToken, '\u{1F600}'.repeat(100)]) {
        expect(await h.caller().users.checkResetToken({ token })).toEqual({ valid: false });
      }
      expect(await codeOf(h.caller().users.checkResetToken({ token: '' }))).toBe('BAD_REQUEST');
    });

    it('validates the email it is asked about', async () => {
      expect(await codeOf(h.caller().users.requestPasswordReset({ email: 'nope' }))).toBe('BAD_REQUEST');
    });
  });

  describe('email verification', () => {
    it('verifies the address with the emailed token, once', async () => {
      const email = uniqueEmail('verify');
      const { user } = await h.caller().users.register({ email, password: 'plum-orbit-cascade' });
      const token = h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/));

      const verified = await h.caller().users.verifyEmail({ token });
      expect(verified.user).toMatchObject({ id: user.id, email, emailVerified: true });
      const { caller } = await h.loginAs({ email, password: 'plum-orbit-cascade' });
      expect((await caller.users.me()).user.emailVerified).toBe(true);

      const again = await rejectionOf(h.caller().users.verifyEmail({ token }));
      expect([again.code, again.message]).toEqual(['BAD_REQUEST', 'Invalid, used or expired verification token']);
    });

    it('refuses garbage, an empty token and a reset token', async () => {
      const { email } = await h.createUser();
      await h.caller().users.requestPasswordReset({ email });
      const resetToken = h.mailbox.tokenFrom(await lastMailTo(email, /Reset/));
      for (const token of ['garbage', resetToken, '']) {
        expect(await codeOf(h.caller().users.verifyEmail({ token })), token).toBe('BAD_REQUEST');
      }
    });

    it('expires the link after VERIFY_TOKEN_TTL', async () => {
      const email = uniqueEmail('late');
      await h.caller().users.register({ email, password: 'plum-orbit-cascade' });
      const token = h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/));
      h.clock.advance(h.config.verifyTokenTtlSeconds * 1000);
      expect(await codeOf(h.caller().users.verifyEmail({ token }))).toBe('BAD_REQUEST');
    });

    it('resends a fresh link on request; the older link stops working', async () => {
      const { caller, email } = await h.loginAs();
      const first = h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/));
      expect(await caller.users.resendVerification()).toEqual({ success: true });
      const second = h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/));
      expect(second).not.toBe(first);
      expect(await codeOf(h.caller().users.verifyEmail({ token: first }))).toBe('BAD_REQUEST');
      expect((await h.caller().users.verifyEmail({ token: second })).user.emailVerified).toBe(true);
    });

    it('sends nothing more once the address is verified', async () => {
      const { caller, email } = await h.loginAs();
      await h.caller().users.verifyEmail({ token: h.mailbox.tokenFrom(await lastMailTo(email, /Confirm/)) });
      expect(await caller.users.resendVerification()).toEqual({ success: true });
      expect(await mailsTo(email, /Confirm/)).toHaveLength(1);
    });

    it('requires authentication to resend', async () => {
      expect(await codeOf(h.caller().users.resendVerification())).toBe('UNAUTHORIZED');
    });
  });
});
