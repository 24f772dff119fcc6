/**
 * The `auth` procedures through callers on real databases (SQLite, and PostgreSQL when it
 * answers): sign-in, rotation and reuse detection, sign-out, and every way a bearer token
 * can be refused.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, publicUserFields, rejectionOf, signedIn, type TestHarness } from '../testing.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT put together by hand with any header, claims and HMAC key. */
function forge(header: object, claims: object, key: string | null, digest = 'sha256') {
  const unsigned = `${base64url(header)}.${base64url(claims)}`;
  return `${unsigned}.${key === null ? '' : createHmac(digest, key).update(unsigned).digest('base64url')}`;
}

describe.each(await testDialects())('the auth router on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());

  /** `users.me` as the bearer of `accessToken`: the everyday authenticated call. */
  const me = (accessToken: string | null) => h.caller({ accessToken }).users.me();
  const codeOf = async (call: Promise<unknown>) => (await rejectionOf(call)).code;

  describe('login', () => {
    it('returns a Bearer pair, its lifetime in seconds, and the user without any hash', async () => {
      const { email, password, user } = await h.createUser();
      const result = signedIn(await h.caller().auth.login({ email, password }));
      expect(result).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        tokenType: 'Bearer',
        expiresIn: 900,
        user,
      });
      expect(Object.keys(result.user).sort()).toEqual(publicUserFields);
      expect((await me(result.accessToken)).user).toEqual(user);
    });

    it('finds the account whatever the case and surrounding spaces of the email', async () => {
      const { email, password, user } = await h.createUser({ email: `mixed-${dialect}@example.com` });
      const result = signedIn(await h.caller().auth.login({ email: `  ${email.toUpperCase()} `, password }));
      expect(result.user.id).toBe(user.id);
    });

    it('answers a wrong password and an unknown email with the same UNAUTHORIZED message', async () => {
      const { email, password } = await h.createUser();
      const wrongPassword = await rejectionOf(h.caller().auth.login({ email, password: `${password}!` }));
      const unknownEmail = await rejectionOf(h.caller().auth.login({ email: `nobody-${email}`, password }));
      expect([wrongPassword.code, wrongPassword.message]).toEqual(['UNAUTHORIZED', 'Invalid email or password']);
      expect([unknownEmail.code, unknownEmail.message]).toEqual([wrongPassword.code, wrongPassword.message]);
    });

    it('refuses malformed input with BAD_REQUEST', async () => {
      expect(await codeOf(h.caller().auth.login({ email: 'not-an-email', password: 'whatever1' }))).toBe('BAD_REQUEST');
      expect(await codeOf(h.caller().auth.login({ email: 'ada@example.com', password: '' }))).toBe('BAD_REQUEST');
      expect(await codeOf(h.caller().auth.login({ email: 'ada@example.com' } as never))).toBe('BAD_REQUEST');
    });
  });

  describe('refresh', () => {
    it('spends the refresh token and returns a new pair that works', async () => {
      const { session } = await h.loginAs();
      const pair = await h.caller().auth.refresh({ refreshToken: session.refreshToken });
      expect(pair).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect(pair.refreshToken).not.toBe(session.refreshToken);
      await expect(me(pair.accessToken)).resolves.toBeDefined();
      await expect(h.caller().auth.refresh({ refreshToken: pair.refreshToken })).resolves.toBeDefined();
    });

    it('revokes the whole session when a spent refresh token is replayed', async () => {
      const { session } = await h.loginAs();
      const second = await h.caller().auth.refresh({ refreshToken: session.refreshToken });
      const pair = await h.caller().auth.refresh({ refreshToken: second.refreshToken });

      // Two rotations old: no grace covers it.
      const replay = await rejectionOf(h.caller().auth.refresh({ refreshToken: session.refreshToken }));
      expect(replay.code).toBe('UNAUTHORIZED');
      expect(await codeOf(me(pair.accessToken))).toBe('UNAUTHORIZED');
      expect(await codeOf(me(session.accessToken))).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: pair.refreshToken }))).toBe('UNAUTHORIZED');
    });

    it('answers every one of concurrent refreshes of one token with the same refresh jti', async () => {
      const { session } = await h.loginAs();
      const pairs = await Promise.all(
        Array.from({ length: 10 }, () => h.caller().auth.refresh({ refreshToken: session.refreshToken })),
      );
      const jtis = new Set(pairs.map((pair) => h.core.tokens.verify(signedIn(pair).refreshToken, 'refresh')?.jti));
      expect(jtis.size).toBe(1);
      expect(jtis.has(undefined)).toBe(false);
      // The session lives on: every answer works, and the one live refresh token rotates.
      for (const pair of pairs) await expect(me(pair.accessToken)).resolves.toBeDefined();
      await expect(h.caller().auth.refresh({ refreshToken: pairs[0]?.refreshToken ?? '' })).resolves.toBeDefined();
    });

    it('refuses an access token, garbage and a token of another issuer with UNAUTHORIZED', async () => {
      const { session } = await h.loginAs();
      const refresh = (refreshToken: string) => codeOf(h.caller().auth.refresh({ refreshToken }));
      expect(await refresh(session.accessToken)).toBe('UNAUTHORIZED');
      expect(await refresh('garbage')).toBe('UNAUTHORIZED');
      const [, payload] = session.refreshToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      expect(
        await refresh(
          forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'elsewhere' }, h.config.jwtSecret as string),
        ),
      ).toBe('UNAUTHORIZED');
      // Still good: none of that spent it.
      await expect(h.caller().auth.refresh({ refreshToken: session.refreshToken })).resolves.toBeDefined();
    });

    it('refuses a refresh token after its session expired', async () => {
      const { session } = await h.loginAs();
      h.clock.advance(h.config.refreshTokenTtlSeconds * 1000);
      try {
        expect(await codeOf(h.caller().auth.refresh({ refreshToken: session.refreshToken }))).toBe('UNAUTHORIZED');
      } finally {
        h.clock.advance(-h.config.refreshTokenTtlSeconds * 1000);
      }
    });

    it('refuses an empty token as BAD_REQUEST', async () => {
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: '' }))).toBe('BAD_REQUEST');
    });
  });

  describe('bearer tokens', () => {
    /** Claims of a real access token, to be tampered with. */
    async function realClaims() {
      const { session } = await h.loginAs();
      const [, payload] = session.accessToken.split('.');
      return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    }
    const secret = () => h.config.jwtSecret as string;
    const header = { alg: 'HS256', typ: 'JWT' };

    it('are accepted when valid (the forging helper makes valid tokens)', async () => {
      await expect(me(forge(header, await realClaims(), secret()))).resolves.toBeDefined();
    });

    it('are required: a missing token is UNAUTHORIZED', async () => {
      const error = await rejectionOf(me(null));
      expect([error.code, error.message]).toEqual(['UNAUTHORIZED', 'Missing bearer token']);
    });

    it('refuse malformed tokens and garbage', async () => {
      for (const token of ['not-a-jwt', 'a.b.c', '', ' ']) expect(await codeOf(me(token)), token).toBe('UNAUTHORIZED');
    });

    it('refuse alg none, HS384, HS512 and a wrong secret', async () => {
      const claims = await realClaims();
      const forged = [
        forge({ alg: 'none', typ: 'JWT' }, claims, null),
        forge({ alg: 'HS384', typ: 'JWT' }, claims, secret(), 'sha384'),
        forge({ alg: 'HS512', typ: 'JWT' }, claims, secret(), 'sha512'),
        forge(header, claims, 'a-different-secret-of-sufficient-length-123'),
      ];
      for (const token of forged) expect(await codeOf(me(token))).toBe('UNAUTHORIZED');
    });

    it('refuse a wrong issuer or audience', async () => {
      const claims = await realClaims();
      expect(await codeOf(me(forge(header, { ...claims, iss: 'evil' }, secret())))).toBe('UNAUTHORIZED');
      expect(await codeOf(me(forge(header, { ...claims, aud: 'another-app' }, secret())))).toBe('UNAUTHORIZED');
    });

    it('refuse an expired access token', async () => {
      const { session } = await h.loginAs();
      h.clock.advance(h.config.accessTokenTtlSeconds * 1000);
      try {
        expect(await codeOf(me(session.accessToken))).toBe('UNAUTHORIZED');
      } finally {
        h.clock.advance(-h.config.accessTokenTtlSeconds * 1000);
      }
      await expect(me(session.accessToken)).resolves.toBeDefined();
    });

    it('refuse a refresh token used as an access token', async () => {
      const { session } = await h.loginAs();
      expect(await codeOf(me(session.refreshToken))).toBe('UNAUTHORIZED');
    });

    it('refuse a correctly signed token of an unknown user and session', async () => {
      const token = h.core.tokens.sign('access', { userId: randomUUID(), sessionId: randomUUID() }).token;
      expect(await codeOf(me(token))).toBe('UNAUTHORIZED');
    });
  });

  describe('logout', () => {
    it('without a refresh token: denies the access token and ends its session only', async () => {
      const account = await h.loginAs();
      const other = await h.loginAs(account);
      expect(await account.caller.auth.logout({})).toEqual({ success: true });

      expect(await codeOf(me(account.session.accessToken))).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: account.session.refreshToken }))).toBe(
        'UNAUTHORIZED',
      );
      await expect(me(other.session.accessToken)).resolves.toBeDefined();
      await expect(h.caller().auth.refresh({ refreshToken: other.session.refreshToken })).resolves.toBeDefined();
    });

    it('accepts no input at all', async () => {
      const { caller, session } = await h.loginAs();
      expect(await caller.auth.logout()).toEqual({ success: true });
      expect(await codeOf(me(session.accessToken))).toBe('UNAUTHORIZED');
    });

    it('with the refresh token: denies it too', async () => {
      const { caller, session } = await h.loginAs();
      expect(await caller.auth.logout({ refreshToken: session.refreshToken })).toEqual({ success: true });
      expect(await codeOf(me(session.accessToken))).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: session.refreshToken }))).toBe('UNAUTHORIZED');
    });

    it('refuses a second logout with the same token', async () => {
      const { caller } = await h.loginAs();
      await caller.auth.logout({});
      expect(await codeOf(caller.auth.logout({}))).toBe('UNAUTHORIZED');
    });

    it('requires authentication', async () => {
      expect(await codeOf(h.caller().auth.logout({}))).toBe('UNAUTHORIZED');
    });
  });

  describe('logoutAll', () => {
    it('revokes every token of the user and nobody else’s', async () => {
      const account = await h.loginAs();
      const sessions = [account.session, (await h.loginAs(account)).session, (await h.loginAs(account)).session];
      const bystander = await h.loginAs();

      expect(await account.caller.auth.logoutAll()).toEqual({ success: true });
      for (const session of sessions) {
        expect(await codeOf(me(session.accessToken))).toBe('UNAUTHORIZED');
        expect(await codeOf(h.caller().auth.refresh({ refreshToken: session.refreshToken }))).toBe('UNAUTHORIZED');
      }
      await expect(me(bystander.session.accessToken)).resolves.toBeDefined();
      // The account itself is fine: signing in again works.
      await expect(h.loginAs(account)).resolves.toBeDefined();
    });

    it('requires authentication', async () => {
      expect(await codeOf(h.caller().auth.logoutAll())).toBe('UNAUTHORIZED');
    });
  });
});
