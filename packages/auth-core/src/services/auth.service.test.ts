/**
 * The auth service's own logic, on in-memory repositories: logging in and authenticating a
 * call. A session's life after login (refresh, logout): auth-sessions.test.ts. What needs a
 * real database (atomic rotation under concurrency, persistence) is in core.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { isAuthError } from '../errors.js';
import { createPasswordHasher } from '../passwords.js';
import { createAuthServiceFixture } from '../testing/auth-service-fixture.js';
import { authErrorCodeOf as codeOf, testPasswordHasher } from '../testing/index.js';
import { perTest } from '../testing/per-test.js';

const password = 'plum-orbit-cascade';
const t = perTest(async () => createAuthServiceFixture({ passwords: await testPasswordHasher(), password }));

describe('login', () => {
  it('returns a Bearer pair for one new session and the user', async () => {
    const user = await t.createUser();
    const result = await t.auth.login({
      email: 'ada@example.com',
      password,
      userAgent: 'test-agent',
      ip: '203.0.113.9',
    });
    expect(result).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user });

    const access = t.tokens.verify(result.accessToken, 'access');
    const refresh = t.tokens.verify(result.refreshToken, 'refresh');
    expect(access?.sub).toBe(user.id);
    expect(refresh?.sid).toBe(access?.sid);
    const session = t.repositories.state.sessions.get(access?.sid ?? '');
    expect(session).toMatchObject({
      userId: user.id,
      currentRefreshJti: refresh?.jti,
      userAgent: 'test-agent',
      ip: '203.0.113.9',
      revokedAt: null,
    });
    expect(session?.expiresAt).toEqual(new Date(t.clock.now().getTime() + t.config.refreshTokenTtlSeconds * 1000));
  });

  it('opens a separate session per login', async () => {
    await t.createUser();
    const first = await t.auth.login({ email: 'ada@example.com', password });
    const second = await t.auth.login({ email: 'ada@example.com', password });
    expect(t.tokens.verify(first.accessToken, 'access')?.sid).not.toBe(
      t.tokens.verify(second.accessToken, 'access')?.sid,
    );
    expect(t.repositories.state.sessions.size).toBe(2);
  });

  it('bounds the user agent and IP it stores', async () => {
    await t.createUser();
    const result = await t.auth.login({
      email: 'ada@example.com',
      password,
      userAgent: 'x'.repeat(2000),
      ip: '9'.repeat(100),
    });
    const session = t.repositories.state.sessions.get(t.tokens.verify(result.accessToken, 'access')?.sid ?? '');
    expect(session?.userAgent).toHaveLength(512);
    expect(session?.ip).toHaveLength(64);
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    await t.createUser();
    const wrongPassword = await t.auth
      .login({ email: 'ada@example.com', password: 'not-the-password' })
      .catch((e) => e);
    const unknownEmail = await t.auth.login({ email: 'nobody@example.com', password }).catch((e) => e);
    expect(isAuthError(wrongPassword) && isAuthError(unknownEmail)).toBe(true);
    expect([wrongPassword.code, wrongPassword.message]).toEqual(['INVALID_CREDENTIALS', 'Invalid email or password']);
    expect([unknownEmail.code, unknownEmail.message]).toEqual([wrongPassword.code, wrongPassword.message]);
    expect(t.repositories.state.sessions.size).toBe(0);
  });

  it('runs a bcrypt comparison for an unknown email too', async () => {
    await codeOf(t.auth.login({ email: 'nobody@example.com', password }));
    expect(t.dummyChecks).toBe(1);
    await t.createUser();
    await codeOf(t.auth.login({ email: 'ada@example.com', password: 'wrong-password' }));
    expect(t.dummyChecks).toBe(1); // a known account is checked against its own hash
  });

  it('upgrades a hash made at an older cost, and the password still works', async () => {
    const user = await t.createUser('ada@example.com', 4);
    const stronger = await createPasswordHasher({ cost: 5 });
    const before = t.repositories.state.users.get(user.id)?.passwordHash ?? '';
    await t.serviceWith(stronger).login({ email: 'ada@example.com', password });
    const after = t.repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(after).not.toBe(before);
    expect(stronger.needsRehash(after)).toBe(false);
    expect(await stronger.verify(password, after)).toBe(true);
  });

  it('leaves a current hash as it is', async () => {
    const user = await t.createUser();
    const before = t.repositories.state.users.get(user.id)?.passwordHash;
    await t.auth.login({ email: 'ada@example.com', password });
    expect(t.repositories.state.users.get(user.id)?.passwordHash).toBe(before);
  });
});

describe('authenticate', () => {
  it('returns who is calling, with which token and until when', async () => {
    const user = await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const claims = t.tokens.verify(login.accessToken, 'access');
    expect(await t.auth.authenticate(login.accessToken)).toEqual({
      userId: user.id,
      user,
      sessionId: claims?.sid,
      accessJti: claims?.jti,
      accessExpiresAt: new Date((claims?.exp ?? 0) * 1000),
    });
  });

  it('refuses a refresh token, an expired token and garbage', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    expect(await codeOf(t.auth.authenticate(login.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(t.auth.authenticate('garbage'))).toBe('TOKEN_INVALID');
    t.clock.advance(901 * 1000);
    expect(await codeOf(t.auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
  });

  it('refuses a token whose user is not the session owner', async () => {
    await t.createUser('ada@example.com');
    const grace = await t.createUser('grace@example.com');
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const sessionId = t.tokens.verify(login.accessToken, 'access')?.sid ?? '';
    const foreign = t.tokens.sign('access', { userId: grace.id, sessionId }).token;
    expect(await codeOf(t.auth.authenticate(foreign))).toBe('TOKEN_INVALID');
  });

  it('refuses a token whose user no longer exists', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    t.repositories.state.users.clear();
    expect(await codeOf(t.auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
  });
});
