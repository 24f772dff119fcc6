/**
 * The user service's own logic, on in-memory repositories and the real outbox and mail
 * worker, whose sender records messages and which the test drains by hand. Real SMTP
 * delivery and real databases: core.test.ts.
 */

import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../errors.js';
import type { MailMessage } from '../mail/mailer.js';
import { createPasswordHasher, type PasswordHasher } from '../passwords.js';
import { hashSecretToken } from '../secrets.js';
import { authErrorCodeOf as codeOf } from '../testing/index.js';
import type { MemoryRepositories } from '../testing/memory-repositories.js';
import { countingMailThrottle, createUserServiceFixture, tokenIn } from '../testing/user-service-fixture.js';
import type { Principal } from './auth.service.js';
import type { UserService } from './user.service.js';

const password = 'plum-orbit-cascade';
const newPassword = 'violet-harbor-lantern';

let hasher: PasswordHasher;
let clock: ReturnType<typeof createUserServiceFixture>['clock'];
let repositories: MemoryRepositories;
let outbox: MailMessage[];
let users: UserService;
let sessionFor: (userId: string, id: string) => Promise<Principal>;
let drainBackground: () => Promise<void>;
/** The messages waiting in the outbox. */
const queued = () => [...repositories.state.outbox.values()].filter((message) => !message.sentAt);

async function registered(email = 'ada@example.com') {
  const user = await users.register({ email, password });
  await drainBackground();
  outbox.length = 0;
  return user;
}

beforeAll(async () => {
  hasher = await createPasswordHasher({ cost: 4 });
});

beforeEach(() => {
  ({
    clock,
    repositories,
    outbox,
    users,
    sessionFor,
    drain: drainBackground,
  } = createUserServiceFixture({
    passwords: hasher,
  }));
});

describe('register', () => {
  it('creates an unverified user and stores a hash, not the password', async () => {
    const user = await users.register({ email: 'ada@example.com', password });
    expect(user).toMatchObject({ email: 'ada@example.com', emailVerified: false });
    expect(user).not.toHaveProperty('passwordHash');
    const stored = repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(stored).not.toContain(password);
    expect(await hasher.verify(password, stored)).toBe(true);
  });

  it('sends the verification email after answering, with a link whose token is stored only as a hash', async () => {
    const user = await users.register({ email: 'ada@example.com', password });
    expect(outbox).toHaveLength(0); // nothing on the request path
    expect(queued().map((message) => message.kind)).toEqual(['verify-email']);
    await drainBackground();

    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to: 'ada@example.com', subject: 'Confirm your email address' });
    const token = tokenIn(outbox[0]);
    expect(outbox[0]?.text).toContain(`https://app.example.com/verify-email?token=${token}`);
    expect(repositories.state.emailTokens.has(token)).toBe(false);
    expect(repositories.state.emailTokens.get(hashSecretToken(token))).toMatchObject({
      userId: user.id,
      purpose: 'verify',
      usedAt: null,
      expiresAt: new Date(clock.now().getTime() + 86_400_000),
    });
  });

  it('refuses a weak password with a field error on `password`, and creates nothing', async () => {
    const error = await users.register({ email: 'ada@example.com', password: 'password' }).catch((e) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error.code).toBe('WEAK_PASSWORD');
    expect(error.fieldErrors).toEqual({ password: ['This password is too common; choose a less guessable one'] });
    expect(repositories.state.users.size).toBe(0);
    expect(queued()).toHaveLength(0);
  });

  it('refuses a password containing the email’s local part', async () => {
    const error = await users
      .register({ email: 'ada.lovelace@example.com', password: 'ADA.LOVELACE-1815' })
      .catch((e) => e);
    expect(error.fieldErrors).toEqual({ password: ['Password must not contain your email address'] });
  });

  it('refuses a taken email', async () => {
    await registered();
    expect(await codeOf(users.register({ email: 'ada@example.com', password }))).toBe('EMAIL_TAKEN');
  });
});

describe('register with registerEnumerationSafe', () => {
  it('answers a taken email like a new account, changes nothing, and mails the owner (within the mail limit)', async () => {
    const f = createUserServiceFixture({
      passwords: hasher,
      registerEnumerationSafe: true,
      mailThrottle: countingMailThrottle(1),
    });
    ({ clock, repositories, outbox, drain: drainBackground } = f);
    const safe = f.users;
    const owner = await safe.register({ email: 'ada@example.com', password });
    await drainBackground();
    outbox.length = 0;
    const answer = await safe.register({ email: 'ada@example.com', password: newPassword });
    expect(answer).toEqual({
      id: expect.any(String),
      email: 'ada@example.com',
      emailVerified: false,
      mfaEnabled: false,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(answer.id).not.toBe(owner.id);
    expect(repositories.state.users.size).toBe(1);
    await drainBackground();
    expect(outbox.map((mail) => [mail.to, mail.subject])).toEqual([
      ['ada@example.com', 'Someone tried to create an account with your address'],
    ]);
    expect(outbox[0]?.text).toContain('https://app.example.com/');
    // Past the address's mail limit the answer is the same, and its owner is not mailed again.
    expect(await safe.register({ email: 'ada@example.com', password: newPassword })).toMatchObject({
      email: 'ada@example.com',
    });
    await drainBackground();
    expect(outbox).toHaveLength(1);
    // Any other refusal is still an error.
    expect(await codeOf(safe.register({ email: 'grace@example.com', password: 'password' }))).toBe('WEAK_PASSWORD');
  });
});

describe('deleteAccount', () => {
  it('requires the password, with a field error on `password`', async () => {
    const user = await registered();
    const error = await users
      .deleteAccount(await sessionFor(user.id, 'current'), { password: 'not-it' })
      .catch((e) => e);
    expect(error.code).toBe('CURRENT_PASSWORD_INVALID');
    expect(error.fieldErrors).toEqual({ password: ['Password is incorrect'] });
    expect(repositories.state.users.has(user.id)).toBe(true);
  });

  it('deletes the user with its sessions, emailed tokens and events, leaving an anonymous trace', async () => {
    const user = await registered();
    const current = await sessionFor(user.id, 'current');
    await users.requestPasswordReset('ada@example.com');
    await drainBackground();
    const at = clock.now();
    await repositories.securityEvents.record({ userId: user.id, type: 'login', at, ip: '192.0.2.1', userAgent: 'x' });
    await users.deleteAccount(current, { password });
    expect(repositories.state.users.has(user.id)).toBe(false);
    expect(repositories.state.sessions.size).toBe(0);
    expect(repositories.state.emailTokens.size).toBe(0);
    // The account's events go with it; an anonymous trace of the deletion stays.
    expect([...repositories.state.securityEvents.values()]).toEqual([
      { userId: null, type: 'account_deleted', at, ip: null, userAgent: null },
    ]);
    // A second call (a retried request) finds no account.
    expect(await codeOf(users.deleteAccount(current, { password }))).toBe('TOKEN_INVALID');
  });
});

describe('changePassword', () => {
  it('requires the current password, with a field error on `currentPassword`', async () => {
    const user = await registered();
    const error = await users
      .changePassword(await sessionFor(user.id, 'current'), { currentPassword: 'not-my-password', newPassword })
      .catch((e) => e);
    expect(error.code).toBe('CURRENT_PASSWORD_INVALID');
    expect(error.fieldErrors).toEqual({ currentPassword: ['Current password is incorrect'] });
    const stored = repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(await hasher.verify(password, stored)).toBe(true);
  });

  it('applies the policy to the new password, with a field error on `newPassword`', async () => {
    const user = await registered();
    const error = await users
      .changePassword(await sessionFor(user.id, 'current'), { currentPassword: password, newPassword: 'iloveyou' })
      .catch((e) => e);
    expect(error.code).toBe('WEAK_PASSWORD');
    expect(Object.keys(error.fieldErrors)).toEqual(['newPassword']);
  });

  it('sets the new password, ends every other session, keeps the current one', async () => {
    const user = await registered();
    const current = await sessionFor(user.id, 'current');
    await sessionFor(user.id, 'laptop');
    await sessionFor(user.id, 'phone');
    clock.advance(60_000);
    await users.changePassword(current, { currentPassword: password, newPassword });

    const stored = repositories.state.users.get(user.id);
    expect(await hasher.verify(newPassword, stored?.passwordHash ?? '')).toBe(true);
    expect(await hasher.verify(password, stored?.passwordHash ?? '')).toBe(false);
    expect(stored?.updatedAt).toEqual(clock.now());
    const revoked = Object.fromEntries([...repositories.state.sessions.values()].map((s) => [s.id, s.revokedAt]));
    expect(revoked).toEqual({ current: null, laptop: clock.now(), phone: clock.now() });
  });

  it('kills a password reset link that was already on its way', async () => {
    const user = await registered();
    await users.requestPasswordReset('ada@example.com');
    await drainBackground();
    await users.changePassword(await sessionFor(user.id, 'current'), { currentPassword: password, newPassword });
    expect(await codeOf(users.resetPassword({ token: tokenIn(outbox[0]), newPassword: 'amber-quartz-meadow' }))).toBe(
      'RESET_TOKEN_INVALID',
    );
  });
});

describe('requestPasswordReset', () => {
  it('queues one message for an unknown address as for a known one, and sends nothing to it', async () => {
    await registered();
    await users.requestPasswordReset('nobody@example.com');
    await users.requestPasswordReset('ada@example.com');
    expect(queued().map(({ recipient, kind, payload }) => ({ recipient, kind, payload }))).toEqual([
      { recipient: 'nobody@example.com', kind: 'password-reset', payload: '{}' },
      { recipient: 'ada@example.com', kind: 'password-reset', payload: '{}' },
    ]);
    await drainBackground();
    expect(outbox.map((mail) => mail.to)).toEqual(['ada@example.com']);
    expect(queued()).toHaveLength(0);
  });

  it('sends a reset link off the request path for a known address', async () => {
    await registered();
    await users.requestPasswordReset('ada@example.com');
    expect(outbox).toHaveLength(0);
    await drainBackground();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.subject).toBe('Reset your password');
    expect(outbox[0]?.text).toContain(`https://app.example.com/reset-password?token=${tokenIn(outbox[0])}`);
  });

  it('makes only the newest link work', async () => {
    await registered();
    await users.requestPasswordReset('ada@example.com');
    await users.requestPasswordReset('ada@example.com');
    await drainBackground();
    const [older, newer] = outbox.map(tokenIn);
    expect(await codeOf(users.resetPassword({ token: older ?? '', newPassword }))).toBe('RESET_TOKEN_INVALID');
    await expect(users.resetPassword({ token: newer ?? '', newPassword })).resolves.toBeUndefined();
  });
});

describe('resetPassword', () => {
  async function resetToken() {
    const user = await registered();
    await users.requestPasswordReset('ada@example.com');
    await drainBackground();
    return { user, token: tokenIn(outbox.at(-1)) };
  }

  it('sets the new password and ends every session of the user', async () => {
    const { user, token } = await resetToken();
    await sessionFor(user.id, 'laptop');
    await sessionFor(user.id, 'phone');
    await users.resetPassword({ token, newPassword });
    const stored = repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(await hasher.verify(newPassword, stored)).toBe(true);
    expect([...repositories.state.sessions.values()].every((session) => session.revokedAt !== null)).toBe(true);
  });

  it('works once', async () => {
    const { token } = await resetToken();
    await users.resetPassword({ token, newPassword });
    expect(await codeOf(users.resetPassword({ token, newPassword: 'amber-quartz-meadow' }))).toBe(
      'RESET_TOKEN_INVALID',
    );
  });

  it('expires after RESET_TOKEN_TTL', async () => {
    const { token } = await resetToken();
    clock.advance(3600 * 1000);
    expect(await codeOf(users.resetPassword({ token, newPassword }))).toBe('RESET_TOKEN_INVALID');
  });

  it('refuses a weak new password without spending the token', async () => {
    const { token } = await resetToken();
    const error = await users.resetPassword({ token, newPassword: 'password1' }).catch((e) => e);
    expect(error.code).toBe('WEAK_PASSWORD');
    expect(Object.keys(error.fieldErrors)).toEqual(['newPassword']);
    await expect(users.resetPassword({ token, newPassword })).resolves.toBeUndefined();
  });

  it('refuses a verification token, and garbage', async () => {
    await users.register({ email: 'ada@example.com', password });
    await drainBackground();
    const verifyToken = tokenIn(outbox[0]);
    expect(await codeOf(users.resetPassword({ token: verifyToken, newPassword }))).toBe('RESET_TOKEN_INVALID');
    expect(await codeOf(users.resetPassword({ token: 'garbage', newPassword }))).toBe('RESET_TOKEN_INVALID');
  });
});

describe('verifyEmail', () => {
  async function verificationToken() {
    const user = await users.register({ email: 'ada@example.com', password });
    await drainBackground();
    return { user, token: tokenIn(outbox.at(-1)) };
  }

  it('marks the address verified and returns the user', async () => {
    const { user, token } = await verificationToken();
    clock.advance(1000);
    expect(await users.verifyEmail(token)).toEqual({ ...user, emailVerified: true, updatedAt: clock.now() });
  });

  it('works once', async () => {
    const { token } = await verificationToken();
    await users.verifyEmail(token);
    expect(await codeOf(users.verifyEmail(token))).toBe('VERIFY_TOKEN_INVALID');
  });

  it('expires after VERIFY_TOKEN_TTL', async () => {
    const { token } = await verificationToken();
    clock.advance(86_400 * 1000);
    expect(await codeOf(users.verifyEmail(token))).toBe('VERIFY_TOKEN_INVALID');
  });

  it('refuses a reset token, and garbage', async () => {
    await verificationToken();
    await users.requestPasswordReset('ada@example.com');
    await drainBackground();
    expect(await codeOf(users.verifyEmail(tokenIn(outbox.at(-1))))).toBe('VERIFY_TOKEN_INVALID');
    expect(await codeOf(users.verifyEmail('garbage'))).toBe('VERIFY_TOKEN_INVALID');
  });
});

describe('resendVerification', () => {
  it('sends a fresh link and kills the older one', async () => {
    const user = await users.register({ email: 'ada@example.com', password });
    await drainBackground();
    await users.resendVerification(await sessionFor(user.id, 'current'));
    await drainBackground();
    const [older, newer] = outbox.map(tokenIn);
    expect(outbox).toHaveLength(2);
    expect(await codeOf(users.verifyEmail(older ?? ''))).toBe('VERIFY_TOKEN_INVALID');
    expect((await users.verifyEmail(newer ?? '')).emailVerified).toBe(true);
  });

  it('sends nothing once the address is verified', async () => {
    const user = await users.register({ email: 'ada@example.com', password });
    await drainBackground();
    await users.verifyEmail(tokenIn(outbox[0]));
    await users.resendVerification(await sessionFor(user.id, 'current'));
    await drainBackground();
    expect(outbox).toHaveLength(1);
  });
});
