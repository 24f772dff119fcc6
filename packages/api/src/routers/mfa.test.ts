/**
 * The second factor through callers on real databases (SQLite, and PostgreSQL when it
 * answers): setup, enable, the two-step login, replay, recovery codes, and the limits of an
 * mfaToken. Disable, storage and bad input are in mfa-disable.test.ts.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, mfaKit, rejectionOf, type TestHarness } from '../testing.js';

describe.each(await testDialects())('MFA on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());
  const { uniqueEmail, codeNow, nextStep, enabledUser, mfaTokenOf } = mfaKit(() => h, dialect);

  describe('setup and enable', () => {
    it('gives a 160-bit base32 secret and its otpauth URL, and turns MFA on with a right code', async () => {
      const account = await h.loginAs(await h.createUser({ email: uniqueEmail('setup') }));
      expect((await account.caller.users.me()).user.mfaEnabled).toBe(false);
      const { secret, otpauthUrl } = await account.caller.mfa.setup({ password: account.password });
      expect(secret).toMatch(/^[A-Z2-7]{32,}$/);
      const url = new URL(otpauthUrl);
      expect(url.protocol).toBe('otpauth:');
      expect(url.searchParams.get('secret')).toBe(secret);
      expect(decodeURIComponent(url.pathname)).toContain(account.email);
      // Pending: not on until a code proves the app has it.
      expect((await account.caller.users.me()).user.mfaEnabled).toBe(false);
      expect('mfaRequired' in (await h.caller().auth.login({ email: account.email, password: account.password }))).toBe(
        false,
      );

      const { recoveryCodes } = await account.caller.mfa.enable({ code: codeNow(secret) });
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      expect((await account.caller.users.me()).user.mfaEnabled).toBe(true);
    });

    it('refuses a wrong password for setup, and a wrong code for enable, as field errors', async () => {
      const account = await h.loginAs(await h.createUser({ email: uniqueEmail('wrong') }));
      const badPassword = await rejectionOf(account.caller.mfa.setup({ password: `${account.password}!` }));
      expect(badPassword.code).toBe('BAD_REQUEST');
      expect(h.http).toBeDefined();
      const { secret } = await account.caller.mfa.setup({ password: account.password });
      const wrong = codeNow(secret) === '000000' ? '111111' : '000000';
      const answer = await h.http('mfa.enable', { accessToken: account.session.accessToken, input: { code: wrong } });
      expect(answer.status).toBe(400);
      expect(answer.body.error?.data.fieldErrors?.code).toEqual([expect.any(String)]);
      const setupAnswer = await h.http('mfa.setup', {
        accessToken: account.session.accessToken,
        input: { password: 'not-the-password' },
      });
      expect(setupAnswer.status).toBe(400);
      expect(setupAnswer.body.error?.data.fieldErrors?.password).toEqual([expect.any(String)]);
      expect((await account.caller.users.me()).user.mfaEnabled).toBe(false);
    });

    it('replaces a pending secret with a new setup, refuses enable before setup and setup once on', async () => {
      const account = await h.loginAs(await h.createUser({ email: uniqueEmail('replace') }));
      expect((await rejectionOf(account.caller.mfa.enable({ code: '123456' }))).code).toBe('BAD_REQUEST');
      const first = await account.caller.mfa.setup({ password: account.password });
      const second = await account.caller.mfa.setup({ password: account.password });
      expect(second.secret).not.toBe(first.secret);
      if (codeNow(first.secret) !== codeNow(second.secret)) {
        expect((await rejectionOf(account.caller.mfa.enable({ code: codeNow(first.secret) }))).code).toBe(
          'BAD_REQUEST',
        );
      }
      await account.caller.mfa.enable({ code: codeNow(second.secret) });
      expect((await rejectionOf(account.caller.mfa.setup({ password: account.password }))).code).toBe('BAD_REQUEST');
      expect((await rejectionOf(account.caller.mfa.enable({ code: codeNow(second.secret) }))).code).toBe('BAD_REQUEST');
    });
  });

  describe('login with MFA on', () => {
    it('answers mfaRequired and no token, then the normal answer for a right code', async () => {
      const account = await enabledUser('login');
      const answer = await h.caller().auth.login({ email: account.email, password: account.password });
      expect(Object.keys(answer).sort()).toEqual(['mfaRequired', 'mfaToken']);
      expect(answer).toEqual({ mfaRequired: true, mfaToken: expect.stringMatching(/^[\w-]{43}$/) });
      if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');

      const session = await h.caller().auth.verifyMfa({ mfaToken: answer.mfaToken, code: codeNow(account.secret) });
      expect(session).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { ...account.user, mfaEnabled: true, updatedAt: expect.any(String) },
      });
      const { user } = await h.caller({ accessToken: session.accessToken }).users.me();
      expect(user).toMatchObject({ id: account.user.id, mfaEnabled: true });
      await h.caller().auth.refresh({ refreshToken: session.refreshToken });
      // Single use: the same mfaToken does not sign in twice.
      const again = await rejectionOf(
        h.caller().auth.verifyMfa({ mfaToken: answer.mfaToken, code: codeNow(account.secret, 1) }),
      );
      expect(again.code).toBe('UNAUTHORIZED');
    });

    it('refuses a code already used in its step, and accepts the step before and after', async () => {
      const account = await enabledUser('replay');
      const code = codeNow(account.secret);
      await h.caller().auth.verifyMfa({ mfaToken: await mfaTokenOf(account.email, account.password), code });
      const replay = await rejectionOf(
        h.caller().auth.verifyMfa({ mfaToken: await mfaTokenOf(account.email, account.password), code }),
      );
      expect(replay.code).toBe('BAD_REQUEST');
      expect(replay.cause).toMatchObject({ fieldErrors: { code: [expect.any(String)] } });

      // A phone one step ahead: accepted once, and then the current step (now in the past) is spent too.
      nextStep();
      const ahead = codeNow(account.secret, 1);
      await h.caller().auth.verifyMfa({ mfaToken: await mfaTokenOf(account.email, account.password), code: ahead });
      // Past the step that code was for, then a phone one step behind.
      nextStep();
      nextStep();
      nextStep();
      await h.caller().auth.verifyMfa({
        mfaToken: await mfaTokenOf(account.email, account.password),
        code: codeNow(account.secret, -1),
      });
      nextStep();
      const farBehind = codeNow(account.secret, -2);
      if (![-1, 0, 1].some((near) => codeNow(account.secret, near) === farBehind)) {
        const refused = await rejectionOf(
          h.caller().auth.verifyMfa({ mfaToken: await mfaTokenOf(account.email, account.password), code: farBehind }),
        );
        expect(refused.code).toBe('BAD_REQUEST');
      }
    });

    it('accepts each recovery code once, however it is typed', async () => {
      const account = await enabledUser('recovery');
      const [first, second] = account.recoveryCodes;
      if (!first || !second) throw new Error('expected recovery codes');
      const session = await h.caller().auth.verifyMfa({
        mfaToken: await mfaTokenOf(account.email, account.password),
        code: first,
      });
      expect(session.user.id).toBe(account.user.id);
      const reused = await rejectionOf(
        h.caller().auth.verifyMfa({ mfaToken: await mfaTokenOf(account.email, account.password), code: first }),
      );
      expect(reused.code).toBe('BAD_REQUEST');
      await h.caller().auth.verifyMfa({
        mfaToken: await mfaTokenOf(account.email, account.password),
        code: ` ${second.toUpperCase().replace(/-/g, '')} `,
      });
    });

    it('ends the mfaToken after 5 wrong codes', async () => {
      const account = await enabledUser('five');
      const mfaToken = await mfaTokenOf(account.email, account.password);
      const right = codeNow(account.secret);
      const wrong = ['000000', '111111', '222222', '333333', '444444', '555555'].filter((code) => code !== right);
      for (const code of wrong.slice(0, 5)) {
        expect((await rejectionOf(h.caller().auth.verifyMfa({ mfaToken, code }))).code).toBe('BAD_REQUEST');
      }
      const ended = await rejectionOf(h.caller().auth.verifyMfa({ mfaToken, code: right }));
      expect(ended.code).toBe('UNAUTHORIZED');
      // A new login gets a new token.
      await h.caller().auth.verifyMfa({ mfaToken: await mfaTokenOf(account.email, account.password), code: right });
    });

    it('checks at most 5 codes against one mfaToken even when they race', async () => {
      const account = await enabledUser('race');
      const mfaToken = await mfaTokenOf(account.email, account.password);
      const right = codeNow(account.secret);
      const wrong = Array.from({ length: 12 }, (_, index) => String(index * 7919).padStart(6, '0')).filter(
        (code) => code !== right,
      );
      const answers = await Promise.allSettled(wrong.map((code) => h.caller().auth.verifyMfa({ mfaToken, code })));
      const codes = answers.map((answer) =>
        answer.status === 'rejected' ? (answer.reason as { code: string }).code : 'OK',
      );
      // Five codes checked; every other call refused unchecked: the mfaToken has ended, or (its
      // wrong codes counting toward the account's backoff) the account is held off.
      expect(codes.filter((code) => code === 'BAD_REQUEST')).toHaveLength(5);
      const unchecked = codes.filter((code) => code !== 'BAD_REQUEST');
      expect(unchecked.every((code) => code === 'UNAUTHORIZED' || code === 'TOO_MANY_REQUESTS')).toBe(true);
      expect(codes.filter((code) => code === 'UNAUTHORIZED').length).toBeGreaterThan(0);
      expect((await rejectionOf(h.caller().auth.verifyMfa({ mfaToken, code: right }))).code).toBe('UNAUTHORIZED');
    });

    it('signs in once when the same right code races on one mfaToken', async () => {
      const account = await enabledUser('race-right');
      const mfaToken = await mfaTokenOf(account.email, account.password);
      const code = codeNow(account.secret);
      const answers = await Promise.allSettled([1, 2, 3, 4].map(() => h.caller().auth.verifyMfa({ mfaToken, code })));
      expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(1);
    });

    it('expires the mfaToken after 5 minutes', async () => {
      const account = await enabledUser('expiry');
      const mfaToken = await mfaTokenOf(account.email, account.password);
      h.clock.advance(5 * 60_000 + 1000);
      const expired = await rejectionOf(h.caller().auth.verifyMfa({ mfaToken, code: codeNow(account.secret) }));
      expect(expired.code).toBe('UNAUTHORIZED');
      nextStep();
      const fresh = await mfaTokenOf(account.email, account.password);
      h.clock.advance(4 * 60_000);
      await h.caller().auth.verifyMfa({ mfaToken: fresh, code: codeNow(account.secret) });
    });

    it('never takes an mfaToken for an access or refresh token, nor the reverse', async () => {
      const plain = await h.loginAs(await h.createUser({ email: uniqueEmail('plain') }));
      const account = await enabledUser('kinds');
      const mfaToken = await mfaTokenOf(account.email, account.password);
      expect((await rejectionOf(h.caller({ accessToken: mfaToken }).users.me())).code).toBe('UNAUTHORIZED');
      expect((await rejectionOf(h.caller().auth.refresh({ refreshToken: mfaToken }))).code).toBe('UNAUTHORIZED');
      for (const token of [plain.session.accessToken, plain.session.refreshToken]) {
        const refused = await rejectionOf(
          h.caller().auth.verifyMfa({ mfaToken: token, code: codeNow(account.secret) }),
        );
        expect(refused.code).toBe('UNAUTHORIZED');
      }
      // The mfaToken is still good for what it is for.
      await h.caller().auth.verifyMfa({ mfaToken, code: codeNow(account.secret) });
    });

    it('keeps MFA on through a password reset: the new password still needs the code', async () => {
      const account = await enabledUser('reset');
      await h.caller().users.requestPasswordReset({ email: account.email });
      await h.core.idle();
      const token = h.mailbox.tokenFrom(await h.mailbox.waitFor(account.email, { subject: /reset/i }));
      const newPassword = 'velvet-compass-orchard-9';
      await h.caller().users.resetPassword({ token, newPassword });
      // The reset ended every session.
      expect((await rejectionOf(account.caller.users.me())).code).toBe('UNAUTHORIZED');
      const answer = await h.caller().auth.login({ email: account.email, password: newPassword });
      expect(answer).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
      const mfaToken = await mfaTokenOf(account.email, newPassword);
      const session = await h.caller().auth.verifyMfa({ mfaToken, code: codeNow(account.secret) });
      expect(session.user.mfaEnabled).toBe(true);
    });
  });
});
