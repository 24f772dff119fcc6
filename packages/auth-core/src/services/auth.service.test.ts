/**
 * The auth service's own logic, on in-memory repositories. What needs a real database
 * (atomic rotation under concurrency, persistence) is in core.test.ts.
 */

import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccountBackoff, createMemoryBackoffCounter, defaultAccountBackoffRule } from '../account-backoff.js';
import { createManualClock } from '../clock.js';
import { createDataCipher } from '../encryption.js';
import { isAuthError } from '../errors.js';
import { createMailQueue } from '../mail/outbox.js';
import { createSecondFactor } from '../mfa/second-factor.js';
import { createPasswordHasher, type PasswordHasher } from '../passwords.js';
import { createSecurityEventRecorder } from '../security-events.js';
import { authErrorCodeOf as codeOf, type PasswordLoginAuthService, passwordLoginOnly } from '../testing/index.js';
import { createMemoryRepositories, type MemoryRepositories } from '../testing/memory-repositories.js';
import { createTokenSigner, type TokenSigner } from '../tokens.js';
import { createAuthService } from './auth.service.js';

const config = {
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * 86_400,
  refreshReuseGraceSeconds: 10,
  appUrl: 'https://app.example.com',
};
const password = 'plum-orbit-cascade';

let hasher: PasswordHasher;
let clock: ReturnType<typeof createManualClock>;
let repositories: MemoryRepositories;
let tokens: TokenSigner;
let auth: PasswordLoginAuthService;
let dummyChecks: number;

function serviceWith(passwords: PasswordHasher) {
  const backoff = createAccountBackoff(createMemoryBackoffCounter(defaultAccountBackoffRule), clock);
  const secondFactor = createSecondFactor({
    mfa: repositories.mfa,
    cipher: createDataCipher([randomBytes(32)]),
    clock,
  });
  return passwordLoginOnly(
    createAuthService({
      ...repositories,
      passwords,
      tokens,
      secondFactor: () => secondFactor,
      clock,
      config,
      backoff,
      events: createSecurityEventRecorder({ events: () => repositories.securityEvents, clock, client: {} }),
      mail: createMailQueue({ clock, wake: () => {} }),
    }),
  );
}

async function createUser(email = 'ada@example.com', cost?: number) {
  const passwordHash = await (cost ? await createPasswordHasher({ cost }) : hasher).hash(password);
  return repositories.users.create({ email, passwordHash, now: clock.now() });
}

beforeAll(async () => {
  hasher = await createPasswordHasher({ cost: 4 });
});

beforeEach(() => {
  clock = createManualClock(new Date('2026-03-01T12:00:00Z'));
  repositories = createMemoryRepositories();
  tokens = createTokenSigner(
    { secret: 'a-test-secret-that-is-long-enough-0123456789', issuer: 'keyway', audience: 'keyway', ...config },
    clock,
  );
  dummyChecks = 0;
  // The real hasher, counting the dummy comparisons that stand in for unknown accounts.
  auth = serviceWith({
    ...hasher,
    verifyDummy: (candidate) => {
      dummyChecks++;
      return hasher.verifyDummy(candidate);
    },
  });
});

describe('login', () => {
  it('returns a Bearer pair for one new session and the user', async () => {
    const user = await createUser();
    const result = await auth.login({ email: 'ada@example.com', password, userAgent: 'test-agent', ip: '203.0.113.9' });
    expect(result).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user });

    const access = tokens.verify(result.accessToken, 'access');
    const refresh = tokens.verify(result.refreshToken, 'refresh');
    expect(access?.sub).toBe(user.id);
    expect(refresh?.sid).toBe(access?.sid);
    const session = repositories.state.sessions.get(access?.sid ?? '');
    expect(session).toMatchObject({
      userId: user.id,
      currentRefreshJti: refresh?.jti,
      userAgent: 'test-agent',
      ip: '203.0.113.9',
      revokedAt: null,
    });
    expect(session?.expiresAt).toEqual(new Date(clock.now().getTime() + config.refreshTokenTtlSeconds * 1000));
  });

  it('opens a separate session per login', async () => {
    await createUser();
    const first = await auth.login({ email: 'ada@example.com', password });
    const second = await auth.login({ email: 'ada@example.com', password });
    expect(tokens.verify(first.accessToken, 'access')?.sid).not.toBe(tokens.verify(second.accessToken, 'access')?.sid);
    expect(repositories.state.sessions.size).toBe(2);
  });

  it('bounds the user agent and IP it stores', async () => {
    await createUser();
    const result = await auth.login({
      email: 'ada@example.com',
      password,
      userAgent: 'x'.repeat(2000),
      ip: '9'.repeat(100),
    });
    const session = repositories.state.sessions.get(tokens.verify(result.accessToken, 'access')?.sid ?? '');
    expect(session?.userAgent).toHaveLength(512);
    expect(session?.ip).toHaveLength(64);
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    await createUser();
    const wrongPassword = await auth.login({ email: 'ada@example.com', password: 'not-the-password' }).catch((e) => e);
    const unknownEmail = await auth.login({ email: 'nobody@example.com', password }).catch((e) => e);
    expect(isAuthError(wrongPassword) && isAuthError(unknownEmail)).toBe(true);
    expect([wrongPassword.code, wrongPassword.message]).toEqual(['INVALID_CREDENTIALS', 'Invalid email or password']);
    expect([unknownEmail.code, unknownEmail.message]).toEqual([wrongPassword.code, wrongPassword.message]);
    expect(repositories.state.sessions.size).toBe(0);
  });

  it('runs a bcrypt comparison for an unknown email too', async () => {
    await codeOf(auth.login({ email: 'nobody@example.com', password }));
    expect(dummyChecks).toBe(1);
    await createUser();
    await codeOf(auth.login({ email: 'ada@example.com', password: 'wrong-password' }));
    expect(dummyChecks).toBe(1); // a known account is checked against its own hash
  });

  it('upgrades a hash made at an older cost, and the password still works', async () => {
    const user = await createUser('ada@example.com', 4);
    const stronger = await createPasswordHasher({ cost: 5 });
    const before = repositories.state.users.get(user.id)?.passwordHash ?? '';
    await serviceWith(stronger).login({ email: 'ada@example.com', password });
    const after = repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(after).not.toBe(before);
    expect(stronger.needsRehash(after)).toBe(false);
    expect(await stronger.verify(password, after)).toBe(true);
  });

  it('leaves a current hash as it is', async () => {
    const user = await createUser();
    const before = repositories.state.users.get(user.id)?.passwordHash;
    await auth.login({ email: 'ada@example.com', password });
    expect(repositories.state.users.get(user.id)?.passwordHash).toBe(before);
  });
});

describe('refresh', () => {
  it('spends the presented refresh token and issues a working new pair for the same session', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    const sessionId = tokens.verify(login.refreshToken, 'refresh')?.sid;
    const pair = await auth.refresh(login.refreshToken);
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const refresh = tokens.verify(pair.refreshToken, 'refresh');
    expect(refresh?.sid).toBe(sessionId);
    expect(repositories.state.sessions.get(sessionId ?? '')?.currentRefreshJti).toBe(refresh?.jti);
    expect((await auth.authenticate(pair.accessToken)).sessionId).toBe(sessionId);
    await expect(auth.refresh(pair.refreshToken)).resolves.toBeDefined();
  });

  it('treats a spent refresh token as reuse and revokes the whole session', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    const pair = await auth.refresh(await auth.refresh(login.refreshToken).then((first) => first.refreshToken));

    // Two rotations old: past any grace.
    expect(await codeOf(auth.refresh(login.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await codeOf(auth.refresh(pair.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(auth.authenticate(pair.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
    // The owner is told, once, in the transaction that ended the session.
    const notices = [...repositories.state.outbox.values()].filter((row) => row.kind === 'message');
    expect(notices.map((row) => [row.recipient, JSON.parse(row.payload).subject])).toEqual([
      ['ada@example.com', 'A Keyway session was signed out for your safety'],
    ]);
    expect(await codeOf(auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
    expect([...repositories.state.outbox.values()].filter((row) => row.kind === 'message')).toHaveLength(1);
  });

  it('does not extend the session: a login lasts REFRESH_TOKEN_TTL however often it is refreshed', async () => {
    await createUser();
    let { refreshToken } = await auth.login({ email: 'ada@example.com', password });
    const loginExpiry = tokens.verify(refreshToken, 'refresh')?.exp;
    for (let day = 0; day < 29; day++) {
      clock.advance(86_400 * 1000);
      ({ refreshToken } = await auth.refresh(refreshToken));
      expect(tokens.verify(refreshToken, 'refresh')?.exp).toBe(loginExpiry);
    }
    clock.advance(86_400 * 1000);
    expect(await codeOf(auth.refresh(refreshToken))).toBe('TOKEN_INVALID');
  });

  it('refuses a refresh token of a revoked session without calling it reuse', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    await auth.logout(await auth.authenticate(login.accessToken));
    expect(await codeOf(auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('refuses a refresh token whose session no longer exists', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    repositories.state.sessions.clear();
    expect(await codeOf(auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('refuses an access token presented as a refresh token', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    expect(await codeOf(auth.refresh(login.accessToken))).toBe('TOKEN_INVALID');
    await expect(auth.refresh(login.refreshToken)).resolves.toBeDefined();
  });

  it('does not let a token naming another user revoke a session it does not own', async () => {
    const ada = await createUser('ada@example.com');
    const grace = await createUser('grace@example.com');
    const login = await auth.login({ email: 'ada@example.com', password });
    const sessionId = tokens.verify(login.refreshToken, 'refresh')?.sid ?? '';
    // A token for Grace that names Ada's session (only possible with the key, but the
    // check must not rely on that): it is refused and Ada's session lives on.
    const foreign = tokens.sign('refresh', { userId: grace.id, sessionId }).token;
    expect(await codeOf(auth.refresh(foreign))).toBe('TOKEN_INVALID');
    expect(repositories.state.sessions.get(sessionId)?.revokedAt).toBeNull();
    expect((await auth.authenticate(login.accessToken)).userId).toBe(ada.id);
  });
});

describe('authenticate', () => {
  it('returns who is calling, with which token and until when', async () => {
    const user = await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    const claims = tokens.verify(login.accessToken, 'access');
    expect(await auth.authenticate(login.accessToken)).toEqual({
      userId: user.id,
      user,
      sessionId: claims?.sid,
      accessJti: claims?.jti,
      accessExpiresAt: new Date((claims?.exp ?? 0) * 1000),
    });
  });

  it('refuses a refresh token, an expired token and garbage', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    expect(await codeOf(auth.authenticate(login.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(auth.authenticate('garbage'))).toBe('TOKEN_INVALID');
    clock.advance(901 * 1000);
    expect(await codeOf(auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
  });

  it('refuses a token whose user is not the session owner', async () => {
    await createUser('ada@example.com');
    const grace = await createUser('grace@example.com');
    const login = await auth.login({ email: 'ada@example.com', password });
    const sessionId = tokens.verify(login.accessToken, 'access')?.sid ?? '';
    const foreign = tokens.sign('access', { userId: grace.id, sessionId }).token;
    expect(await codeOf(auth.authenticate(foreign))).toBe('TOKEN_INVALID');
  });

  it('refuses a token whose user no longer exists', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    repositories.state.users.clear();
    expect(await codeOf(auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
  });
});

describe('logout', () => {
  it('without a refresh token: denies the access token until it expires and ends its session', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    const other = await auth.login({ email: 'ada@example.com', password });
    const principal = await auth.authenticate(login.accessToken);
    await auth.logout(principal);

    expect(repositories.state.denylist.get(principal.accessJti)).toEqual(principal.accessExpiresAt);
    expect(await codeOf(auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
    // Another device of the same user stays signed in.
    await expect(auth.authenticate(other.accessToken)).resolves.toBeDefined();
    await expect(auth.refresh(other.refreshToken)).resolves.toBeDefined();
  });

  it('with the refresh token of another of the caller’s sessions: ends both', async () => {
    await createUser();
    const login = await auth.login({ email: 'ada@example.com', password });
    const other = await auth.login({ email: 'ada@example.com', password });
    await auth.logout(await auth.authenticate(login.accessToken), other.refreshToken);
    expect(await codeOf(auth.refresh(other.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(auth.authenticate(other.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('ignores a refresh token belonging to someone else', async () => {
    await createUser('ada@example.com');
    await createUser('grace@example.com');
    const ada = await auth.login({ email: 'ada@example.com', password });
    const grace = await auth.login({ email: 'grace@example.com', password });
    await auth.logout(await auth.authenticate(ada.accessToken), grace.refreshToken);
    await expect(auth.authenticate(grace.accessToken)).resolves.toBeDefined();
    await expect(auth.refresh(grace.refreshToken)).resolves.toBeDefined();
    expect(await codeOf(auth.authenticate(ada.accessToken))).toBe('TOKEN_INVALID');
  });
});

describe('logoutAll', () => {
  it('ends every session of the user and no one else’s', async () => {
    await createUser('ada@example.com');
    await createUser('grace@example.com');
    const sessions = await Promise.all([1, 2, 3].map(() => auth.login({ email: 'ada@example.com', password })));
    const grace = await auth.login({ email: 'grace@example.com', password });
    const [first] = sessions;
    await auth.logoutAll(await auth.authenticate(first?.accessToken ?? ''));

    for (const session of sessions) {
      expect(await codeOf(auth.authenticate(session.accessToken))).toBe('TOKEN_INVALID');
      expect(await codeOf(auth.refresh(session.refreshToken))).toBe('TOKEN_INVALID');
    }
    await expect(auth.authenticate(grace.accessToken)).resolves.toBeDefined();
  });
});
