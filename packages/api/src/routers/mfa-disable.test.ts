/**
 * The second factor, continued: turning it off, what is stored, the per-account backoff in
 * front of every code and password check, and bad input on every MFA procedure.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, mfaKit, rejectionOf, signedIn, type TestHarness } from '../testing.js';

describe.each(await testDialects())('MFA (disable, storage, limits) on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());
  const { uniqueEmail, codeNow, nextStep, enabledUser, mfaTokenOf } = mfaKit(() => h, dialect);

  describe('disable', () => {
    it('needs the password and a code, then logins take the password alone', async () => {
      const account = await enabledUser('disable');
      const session = signedIn(
        await h.caller().auth.verifyMfa({
          mfaToken: await mfaTokenOf(account.email, account.password),
          code: codeNow(account.secret),
        }),
      );
      const caller = h.caller({ accessToken: session.accessToken });
      nextStep();
      const pending = await mfaTokenOf(account.email, account.password);
      const badPassword = await h.http('mfa.disable', {
        accessToken: session.accessToken,
        input: { password: 'not-the-password', code: codeNow(account.secret) },
      });
      expect(badPassword.status).toBe(400);
      expect(Object.keys(badPassword.body.error?.data.fieldErrors ?? {})).toEqual(['password']);
      const badCode = await h.http('mfa.disable', {
        accessToken: session.accessToken,
        input: { password: account.password, code: codeNow(account.secret) === '000000' ? '111111' : '000000' },
      });
      expect(badCode.status).toBe(400);
      expect(Object.keys(badCode.body.error?.data.fieldErrors ?? {})).toEqual(['code']);
      expect((await caller.users.me()).user.mfaEnabled).toBe(true);

      expect(await caller.mfa.disable({ password: account.password, code: codeNow(account.secret) })).toEqual({
        success: true,
      });
      expect((await caller.users.me()).user.mfaEnabled).toBe(false);
      const plain = signedIn(await h.caller().auth.login({ email: account.email, password: account.password }));
      expect(plain.user.mfaEnabled).toBe(false);
      // A login that was waiting for its code is dead, and so are the recovery codes.
      nextStep();
      expect(
        (await rejectionOf(h.caller().auth.verifyMfa({ mfaToken: pending, code: codeNow(account.secret) }))).code,
      ).toBe('UNAUTHORIZED');
      expect((await rejectionOf(caller.mfa.disable({ password: account.password, code: '123456' }))).code).toBe(
        'BAD_REQUEST',
      );
    });

    it('takes a recovery code instead of a TOTP code', async () => {
      const account = await enabledUser('disable-recovery');
      const session = signedIn(
        await h.caller().auth.verifyMfa({
          mfaToken: await mfaTokenOf(account.email, account.password),
          code: codeNow(account.secret),
        }),
      );
      const code = account.recoveryCodes[3] ?? '';
      await h.caller({ accessToken: session.accessToken }).mfa.disable({ password: account.password, code });
      expect((await h.caller({ accessToken: session.accessToken }).users.me()).user.mfaEnabled).toBe(false);
    });
  });

  it('stores the secret encrypted and only hashes of recovery codes and mfaTokens', async () => {
    const account = await enabledUser('at-rest');
    const mfaToken = await mfaTokenOf(account.email, account.password);
    const connection = h.orm.em.getConnection();
    const dump = JSON.stringify(
      await Promise.all(
        ['user', 'mfa_recovery_code', 'mfa_challenge'].map((table) => connection.execute(`select * from "${table}"`)),
      ),
    );
    expect(dump).toContain(account.user.id);
    for (const secret of [account.secret, account.secret.toLowerCase(), mfaToken, ...account.recoveryCodes]) {
      expect(dump).not.toContain(secret);
    }
    expect(dump).not.toContain(account.recoveryCodes[0]?.replace(/-/g, ''));
  });

  it('answers bad input on every new procedure with BAD_REQUEST, never a 500', async () => {
    const account = await h.loginAs(await h.createUser({ email: uniqueEmail('input') }));
    const huge = 'x'.repeat(100_000);
    const strange = ['\u0000', '\ud800', '😀😀😀😀😀😀', 'é'.repeat(64), '١٢٣٤٥٦', ' '];
    const cases: Array<[string, unknown]> = [
      ['mfa.setup', {}],
      ['mfa.setup', { password: 12 }],
      ['mfa.setup', { password: huge }],
      ['mfa.setup', { password: '' }],
      ['mfa.setup', 'password'],
      ['mfa.enable', { code: 123456 }],
      ['mfa.enable', { code: huge }],
      ['mfa.enable', { code: null }],
      ['mfa.enable', [{ code: '123456' }]],
      ...strange.map((code): [string, unknown] => ['mfa.enable', { code }]),
      ['mfa.disable', { password: account.password }],
      ['mfa.disable', { password: huge, code: '123456' }],
      ['mfa.disable', { password: account.password, code: huge }],
      ['mfa.disable', { password: account.password, code: { $ne: null } }],
      ...strange.map((code): [string, unknown] => ['mfa.disable', { password: account.password, code }]),
      ['auth.verifyMfa', {}],
      ['auth.verifyMfa', { mfaToken: huge, code: '123456' }],
      ['auth.verifyMfa', { mfaToken: 'x', code: huge }],
      ['auth.verifyMfa', { mfaToken: 5, code: 5 }],
      ['auth.verifyMfa', { mfaToken: '', code: '123456' }],
      ...strange.map((mfaToken): [string, unknown] => ['auth.verifyMfa', { mfaToken, code: '123456' }]),
      ...strange.map((code): [string, unknown] => ['auth.verifyMfa', { mfaToken: 'a'.repeat(43), code }]),
    ];
    for (const [path, input] of cases) {
      const answer = await h.http(path, { accessToken: account.session.accessToken, input });
      const label = `${path} ${JSON.stringify(input).slice(0, 60)}`;
      expect(answer.status, label).toBeGreaterThanOrEqual(400);
      expect(answer.status, label).toBeLessThan(500);
      expect(['BAD_REQUEST', 'UNAUTHORIZED'], label).toContain(answer.body.error?.data.code);
    }
    // The same procedures without a bearer token: the protected ones answer UNAUTHORIZED.
    for (const path of ['mfa.setup', 'mfa.enable', 'mfa.disable']) {
      const answer = await h.http(path, { input: { password: account.password, code: '123456' } });
      expect(answer.status, path).toBe(401);
    }
  });

  it('refuses codes with TOO_MANY_REQUESTS and retryAfter once 10 wrong ones in a row hit the account', async () => {
    const account = await enabledUser('backoff');
    const wrong = codeNow(account.secret) === '000000' ? '111111' : '000000';
    const first = await mfaTokenOf(account.email, account.password);
    const second = await mfaTokenOf(account.email, account.password);
    const spare = await mfaTokenOf(account.email, account.password);
    for (const mfaToken of [first, first, first, first, first, second, second, second, second, second]) {
      expect((await rejectionOf(h.caller().auth.verifyMfa({ mfaToken, code: wrong }))).code).toBe('BAD_REQUEST');
    }
    const third = await h.http('auth.verifyMfa', { input: { mfaToken: spare, code: codeNow(account.secret) } });
    expect(third.status).toBe(429);
    expect(third.body.error?.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfter: 1 });
    const login = await h.http('auth.login', { input: { email: account.email, password: account.password } });
    expect(login.status).toBe(429);
    h.clock.advance(1000);
    const fresh = await mfaTokenOf(account.email, account.password);
    await h.caller().auth.verifyMfa({ mfaToken: fresh, code: codeNow(account.secret) });
  });
});
