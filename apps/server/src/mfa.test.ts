/**
 * The second factor over real HTTP, on SQLite and PostgreSQL: turned on with plain JSON
 * calls, then a login that answers `mfaRequired`, finished by `auth.verifyMfa` with a code
 * the test computes from the secret. The server runs on a manual clock, so each step's code
 * is fresh when the test wants it. A new password (changed or reset) ends the login challenges
 * the old one earned; a wrong code is a `login_failed` event; a call the account's backoff
 * refuses spends none of the mfaToken's codes.
 */
import { createManualClock } from '@keyway/auth-core';
import { testDialects, totpCodeAt } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorOf, type Outputs, password, startTestServer, type TestServer } from './testing.js';

describe.each(await testDialects())('MFA over HTTP on %s', (dialect) => {
  let t: TestServer;
  const clock = createManualClock(new Date('2026-06-01T10:00:05Z'));
  const code = (secret: string) => totpCodeAt(secret, clock.now());
  beforeAll(async () => {
    t = await startTestServer({ dialect, clock });
  });
  afterAll(() => t.stop());

  it('turns MFA on, then signs in in two steps; the mfaToken is no bearer token', async () => {
    const email = `mfa-http-${dialect}@example.com`;
    await t.register(email);
    const first = await t.login(email);
    const bearer = { token: first.accessToken };

    const setup = await t.mutationData('mfa.setup', { password }, bearer);
    const enabled = await t.mutationData('mfa.enable', { code: code(setup.secret) }, bearer);
    expect(enabled.recoveryCodes).toHaveLength(10);
    const me = await t.queryData('users.me', undefined, bearer);
    expect(me.user.mfaEnabled).toBe(true);

    clock.advance(30_000);
    const answer = await t.mutation('auth.login', { email, password });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const challenge = dataOf<Outputs['auth']['login']>(answer);
    expect(challenge).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
    expect(answer.text).not.toMatch(/accessToken|refreshToken/);
    if (!('mfaRequired' in challenge)) throw new Error('expected mfaRequired');

    // Not a bearer token, not a refresh token.
    expect((await t.query('users.me', undefined, { token: challenge.mfaToken })).status).toBe(401);
    expect((await t.mutation('auth.refresh', { refreshToken: challenge.mfaToken })).status).toBe(401);

    const wrong = await t.mutation('auth.verifyMfa', {
      mfaToken: challenge.mfaToken,
      code: code(setup.secret) === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong).data.fieldErrors?.code).toHaveLength(1);

    const verified = await t.mutation('auth.verifyMfa', {
      mfaToken: challenge.mfaToken,
      code: code(setup.secret),
    });
    const session = dataOf<Outputs['auth']['verifyMfa']>(verified);
    expect(session).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, mfaEnabled: true } });
    expect(verified.headers.get('cache-control')).toBe('no-store');
    const after = await t.queryData('users.me', undefined, { token: session.accessToken });
    expect(after.user.email).toBe(email);

    // The same code again, on a new login: already used in its step.
    const again = await t.mutationData('auth.login', { email, password });
    if (!('mfaRequired' in again)) throw new Error('expected mfaRequired');
    const replay = await t.mutation('auth.verifyMfa', { mfaToken: again.mfaToken, code: code(setup.secret) });
    expect(replay.status).toBe(400);

    // No secret in the database.
    const rows = await t.orm.em.getConnection().execute('select * from "user"');
    expect(JSON.stringify(rows)).not.toContain(setup.secret);
  });

  it('in cookie mode, sets no cookie for mfaRequired and the refresh cookie when verifyMfa completes', async () => {
    const email = `mfa-cookie-${dialect}@example.com`;
    await t.register(email);
    const bearer = { token: (await t.login(email)).accessToken };
    const setup = await t.mutationData('mfa.setup', { password }, bearer);
    await t.mutationData('mfa.enable', { code: code(setup.secret) }, bearer);
    clock.advance(30_000);

    const cookieMode = { headers: { 'X-Keyway-Session': 'cookie' } };
    const challengeReply = await t.mutation('auth.login', { email, password }, cookieMode);
    expect(challengeReply.headers.getSetCookie()).toEqual([]);
    const challenge = dataOf<Outputs['auth']['login']>(challengeReply);
    if (!('mfaRequired' in challenge)) throw new Error('expected mfaRequired');

    const verified = await t.mutation(
      'auth.verifyMfa',
      { mfaToken: challenge.mfaToken, code: code(setup.secret) },
      cookieMode,
    );
    expect(verified.status).toBe(200);
    expect(verified.text).not.toContain('refreshToken');
    const [cookie = ''] = verified.headers.getSetCookie();
    expect(cookie).toMatch(/^keyway_refresh=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
  });

  it('ends the login challenges the old password earned when the password is changed or reset', async () => {
    const email = `mfa-new-password-${dialect}@example.com`;
    await t.register(email);
    const bearer = { token: (await t.login(email)).accessToken };
    const setup = await t.mutationData('mfa.setup', { password }, bearer);
    await t.mutationData('mfa.enable', { code: code(setup.secret) }, bearer);
    clock.advance(30_000);
    const challengeWith = async (secret: string) => {
      const answer = await t.mutationData('auth.login', { email, password: secret });
      if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
      return answer.mfaToken;
    };
    const verify = (mfaToken: string) => t.mutation('auth.verifyMfa', { mfaToken, code: code(setup.secret) });

    const [changed, reset] = ['mfa-Changed-passphrase-1', 'mfa-Reset-passphrase-2'];
    const beforeChange = await challengeWith(password);
    const change = { currentPassword: password, newPassword: changed };
    await t.mutationData('users.changePassword', change, bearer);
    expect((await verify(beforeChange)).status).toBe(401);

    const beforeReset = await challengeWith(changed);
    await t.mutationData('users.requestPasswordReset', { email });
    const link = await t.mailbox.waitFor(email, { subject: /reset your password/i });
    await t.mutationData('users.resetPassword', { token: t.mailbox.tokenFrom(link), newPassword: reset });
    expect((await verify(beforeReset)).status).toBe(401);

    expect(dataOf<Outputs['auth']['verifyMfa']>(await verify(await challengeWith(reset))).user.email).toBe(email);
  });

  it('refuses a password with a lone surrogate in mfa.setup and mfa.disable as a field error', async () => {
    const email = `mfa-surrogate-${dialect}@example.com`;
    await t.register(email);
    const bearer = { token: (await t.login(email)).accessToken };
    for (const [path, input] of [
      ['mfa.setup', { password: 'ab\ud800cdefgh' }],
      ['mfa.disable', { password: 'ab\udc00cdefgh', code: '123456' }],
    ] as const) {
      const reply = await t.mutation(path, input, bearer);
      expect(reply.status, path).toBe(400);
      expect(errorOf(reply).data.fieldErrors?.password?.[0], path).toMatch(/valid Unicode/);
    }
  });

  it('answers malformed calls of the new procedures with 400, never 500', async () => {
    for (const body of [
      '{"mfaToken":',
      '[]',
      '{"mfaToken":"x","code":"1".repeat}',
      JSON.stringify({ code: 'x'.repeat(60_000) }),
    ]) {
      const reply = await fetch(`${t.url}/trpc/auth.verifyMfa`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(reply.status, body.slice(0, 40)).toBe(400);
    }
    expect((await t.mutation('mfa.setup', { password })).status).toBe(401);
  });
});

describe.each(await testDialects())('MFA behind the per-account backoff over HTTP on %s', (dialect) => {
  let t: TestServer;
  const clock = createManualClock(new Date('2026-06-01T10:00:05Z'));
  const code = (secret: string) => totpCodeAt(secret, clock.now());
  const wrong = (secret: string) => (code(secret) === '000000' ? '111111' : '000000');
  beforeAll(async () => {
    t = await startTestServer({ dialect, clock, env: { LOGIN_BACKOFF_AFTER: '2', LOGIN_BACKOFF_MAX: '1m' } });
  });
  afterAll(() => t.stop());

  /** An account with MFA on, signed in (`bearer`), and `verify` for the code step of a new login. */
  async function mfaChallenge(email: string) {
    await t.register(email);
    const bearer = { token: (await t.login(email)).accessToken };
    const { secret } = await t.mutationData('mfa.setup', { password }, bearer);
    await t.mutationData('mfa.enable', { code: code(secret) }, bearer);
    clock.advance(30_000);
    const challenge = await t.mutationData('auth.login', { email, password });
    if (!('mfaRequired' in challenge)) throw new Error('expected mfaRequired');
    const verify = (value: string) => t.mutation('auth.verifyMfa', { mfaToken: challenge.mfaToken, code: value });
    return { bearer, secret, verify };
  }

  it('answers 429 with Retry-After to codes and passwords once wrong ones reach the limit', async () => {
    const email = `mfa-backoff-${dialect}@example.com`;
    const { bearer, secret, verify } = await mfaChallenge(email);
    expect((await verify(wrong(secret))).status).toBe(400);
    expect((await verify(wrong(secret))).status).toBe(400);
    const refused = await verify(code(secret));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(errorOf(refused).data).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfter: 1 });
    // The account's other secret checks are refused too, before the secret is read.
    const disable = await t.mutation('mfa.disable', { password, code: code(secret) }, bearer);
    expect(disable.status).toBe(429);

    clock.advance(1000);
    const session = dataOf<Outputs['auth']['verifyMfa']>(await verify(code(secret)));
    expect(session.user.email).toBe(email);
  });

  it('spends none of the mfaToken on calls the backoff refuses, and records each wrong code', async () => {
    const email = `mfa-backoff-spend-${dialect}@example.com`;
    const { bearer, secret, verify } = await mfaChallenge(email);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await verify(wrong(secret))).status);
    // Two wrong codes start the backoff; the five calls it refuses leave the token's codes alone.
    expect(statuses).toEqual([400, 400, 429, 429, 429, 429, 429]);
    clock.advance(1000);
    expect(dataOf<Outputs['auth']['verifyMfa']>(await verify(code(secret))).user.email).toBe(email);

    const { events } = await t.queryData('users.securityEvents', undefined, bearer);
    expect(events.filter((event) => event.type === 'login_failed')).toHaveLength(2);
  });
});
