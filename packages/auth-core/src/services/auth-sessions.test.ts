/**
 * A session's life after login in the auth service, on in-memory repositories: refresh
 * rotation and reuse detection, and logging out one session or all. Logging in and
 * authenticating: auth.service.test.ts; under concurrency on a real database: core.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { createAuthServiceFixture } from '../testing/auth-service-fixture.js';
import { authErrorCodeOf as codeOf, testPasswordHasher } from '../testing/index.js';
import { perTest } from '../testing/per-test.js';

const password = 'plum-orbit-cascade';
const t = perTest(async () => createAuthServiceFixture({ passwords: await testPasswordHasher(), password }));

describe('refresh', () => {
  it('spends the presented refresh token and issues a working new pair for the same session', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const sessionId = t.tokens.verify(login.refreshToken, 'refresh')?.sid;
    const pair = await t.auth.refresh(login.refreshToken);
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const refresh = t.tokens.verify(pair.refreshToken, 'refresh');
    expect(refresh?.sid).toBe(sessionId);
    expect(t.repositories.state.sessions.get(sessionId ?? '')?.currentRefreshJti).toBe(refresh?.jti);
    expect((await t.auth.authenticate(pair.accessToken)).sessionId).toBe(sessionId);
    await expect(t.auth.refresh(pair.refreshToken)).resolves.toBeDefined();
  });

  it('treats a spent refresh token as reuse and revokes the whole session', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const pair = await t.auth.refresh(await t.auth.refresh(login.refreshToken).then((first) => first.refreshToken));

    // Two rotations old: past any grace.
    expect(await codeOf(t.auth.refresh(login.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await codeOf(t.auth.refresh(pair.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(t.auth.authenticate(pair.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(t.auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
    // The owner is told, once, in the transaction that ended the session.
    const notices = [...t.repositories.state.outbox.values()].filter((row) => row.kind === 'message');
    expect(notices.map((row) => [row.recipient, JSON.parse(row.payload).subject])).toEqual([
      ['ada@example.com', 'A Keyway session was signed out for your safety'],
    ]);
    expect(await codeOf(t.auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
    expect([...t.repositories.state.outbox.values()].filter((row) => row.kind === 'message')).toHaveLength(1);
  });

  it('does not extend the session: a login lasts REFRESH_TOKEN_TTL however often it is refreshed', async () => {
    await t.createUser();
    let { refreshToken } = await t.auth.login({ email: 'ada@example.com', password });
    const loginExpiry = t.tokens.verify(refreshToken, 'refresh')?.exp;
    for (let day = 0; day < 29; day++) {
      t.clock.advance(86_400 * 1000);
      ({ refreshToken } = await t.auth.refresh(refreshToken));
      expect(t.tokens.verify(refreshToken, 'refresh')?.exp).toBe(loginExpiry);
    }
    t.clock.advance(86_400 * 1000);
    expect(await codeOf(t.auth.refresh(refreshToken))).toBe('TOKEN_INVALID');
  });

  it('refuses a refresh token of a revoked session without calling it reuse', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    await t.auth.logout(await t.auth.authenticate(login.accessToken));
    expect(await codeOf(t.auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('refuses a refresh token whose session no longer exists', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    t.repositories.state.sessions.clear();
    expect(await codeOf(t.auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('refuses an access token presented as a refresh token', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    expect(await codeOf(t.auth.refresh(login.accessToken))).toBe('TOKEN_INVALID');
    await expect(t.auth.refresh(login.refreshToken)).resolves.toBeDefined();
  });

  it('does not let a token naming another user revoke a session it does not own', async () => {
    const ada = await t.createUser('ada@example.com');
    const grace = await t.createUser('grace@example.com');
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const sessionId = t.tokens.verify(login.refreshToken, 'refresh')?.sid ?? '';
    // A token for Grace that names Ada's session (only possible with the key, but the
    // check must not rely on that): it is refused and Ada's session lives on.
    const foreign = t.tokens.sign('refresh', { userId: grace.id, sessionId }).token;
    expect(await codeOf(t.auth.refresh(foreign))).toBe('TOKEN_INVALID');
    expect(t.repositories.state.sessions.get(sessionId)?.revokedAt).toBeNull();
    expect((await t.auth.authenticate(login.accessToken)).userId).toBe(ada.id);
  });
});

describe('logout', () => {
  it('without a refresh token: denies the access token until it expires and ends its session', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const other = await t.auth.login({ email: 'ada@example.com', password });
    const principal = await t.auth.authenticate(login.accessToken);
    await t.auth.logout(principal);

    expect(t.repositories.state.denylist.get(principal.accessJti)).toEqual(principal.accessExpiresAt);
    expect(await codeOf(t.auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(t.auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
    // Another device of the same user stays signed in.
    await expect(t.auth.authenticate(other.accessToken)).resolves.toBeDefined();
    await expect(t.auth.refresh(other.refreshToken)).resolves.toBeDefined();
  });

  it('with the refresh token of another of the caller’s sessions: ends both', async () => {
    await t.createUser();
    const login = await t.auth.login({ email: 'ada@example.com', password });
    const other = await t.auth.login({ email: 'ada@example.com', password });
    await t.auth.logout(await t.auth.authenticate(login.accessToken), other.refreshToken);
    expect(await codeOf(t.auth.refresh(other.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(t.auth.authenticate(other.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(t.auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('ignores a refresh token belonging to someone else', async () => {
    await t.createUser('ada@example.com');
    await t.createUser('grace@example.com');
    const ada = await t.auth.login({ email: 'ada@example.com', password });
    const grace = await t.auth.login({ email: 'grace@example.com', password });
    await t.auth.logout(await t.auth.authenticate(ada.accessToken), grace.refreshToken);
    await expect(t.auth.authenticate(grace.accessToken)).resolves.toBeDefined();
    await expect(t.auth.refresh(grace.refreshToken)).resolves.toBeDefined();
    expect(await codeOf(t.auth.authenticate(ada.accessToken))).toBe('TOKEN_INVALID');
  });
});

describe('logoutAll', () => {
  it('ends every session of the user and no one else’s', async () => {
    await t.createUser('ada@example.com');
    await t.createUser('grace@example.com');
    const sessions = await Promise.all([1, 2, 3].map(() => t.auth.login({ email: 'ada@example.com', password })));
    const grace = await t.auth.login({ email: 'grace@example.com', password });
    const [first] = sessions;
    await t.auth.logoutAll(await t.auth.authenticate(first?.accessToken ?? ''));

    for (const session of sessions) {
      expect(await codeOf(t.auth.authenticate(session.accessToken))).toBe('TOKEN_INVALID');
      expect(await codeOf(t.auth.refresh(session.refreshToken))).toBe('TOKEN_INVALID');
    }
    await expect(t.auth.authenticate(grace.accessToken)).resolves.toBeDefined();
  });
});
