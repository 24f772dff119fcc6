/**
 * The user service's own logic, on in-memory repositories and the real outbox and mail
 * worker, whose sender records messages and which the test drains by hand: registering,
 * verifying the address, deleting the account. Passwords (change, reset): user-passwords.test.ts.
 * Real SMTP delivery and real databases: core.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { AuthError } from '../errors.js';
import { hashSecretToken } from '../secrets.js';
import { authErrorCodeOf as codeOf, testPasswordHasher } from '../testing/index.js';
import { perTest } from '../testing/per-test.js';
import { countingMailThrottle, createUserServiceFixture, tokenIn } from '../testing/user-service-fixture.js';

const password = 'plum-orbit-cascade';
const newPassword = 'violet-harbor-lantern';
const t = perTest(async () => createUserServiceFixture({ passwords: await testPasswordHasher() }));

describe('register', () => {
  it('creates an unverified user and stores a hash, not the password', async () => {
    const user = await t.users.register({ email: 'ada@example.com', password });
    expect(user).toMatchObject({ email: 'ada@example.com', emailVerified: false });
    expect(user).not.toHaveProperty('passwordHash');
    const stored = t.repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(stored).not.toContain(password);
    expect(await t.passwords.verify(password, stored)).toBe(true);
  });

  it('sends the verification email after answering, with a link whose token is stored only as a hash', async () => {
    const user = await t.users.register({ email: 'ada@example.com', password });
    expect(t.outbox).toHaveLength(0); // nothing on the request path
    expect(t.queued().map((message) => message.kind)).toEqual(['verify-email']);
    await t.drain();

    expect(t.outbox).toHaveLength(1);
    expect(t.outbox[0]).toMatchObject({ to: 'ada@example.com', subject: 'Confirm your email address' });
    const token = tokenIn(t.outbox[0]);
    expect(t.outbox[0]?.text).toContain(`https://app.example.com/verify-email?token=${token}`);
    expect(t.repositories.state.emailTokens.has(token)).toBe(false);
    expect(t.repositories.state.emailTokens.get(hashSecretToken(token))).toMatchObject({
      userId: user.id,
      purpose: 'verify',
      usedAt: null,
      expiresAt: new Date(t.clock.now().getTime() + 86_400_000),
    });
  });

  it('refuses a weak password with a field error on `password`, and creates nothing', async () => {
    const error = await t.users.register({ email: 'ada@example.com', password: 'password' }).catch((e) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error.code).toBe('WEAK_PASSWORD');
    expect(error.fieldErrors).toEqual({ password: ['This password is too common; choose a less guessable one'] });
    expect(t.repositories.state.users.size).toBe(0);
    expect(t.queued()).toHaveLength(0);
  });

  it('refuses a password containing the email’s local part', async () => {
    const error = await t.users
      .register({ email: 'ada.lovelace@example.com', password: 'ADA.LOVELACE-1815' })
      .catch((e) => e);
    expect(error.fieldErrors).toEqual({ password: ['Password must not contain your email address'] });
  });

  it('refuses a taken email', async () => {
    await t.registered(password);
    expect(await codeOf(t.users.register({ email: 'ada@example.com', password }))).toBe('EMAIL_TAKEN');
  });
});

describe('register with registerEnumerationSafe', () => {
  it('answers a taken email like a new account, changes nothing, and mails the owner (within the mail limit)', async () => {
    const f = createUserServiceFixture({
      passwords: t.passwords,
      registerEnumerationSafe: true,
      mailThrottle: countingMailThrottle(1),
    });
    const safe = f.users;
    const owner = await safe.register({ email: 'ada@example.com', password });
    await f.drain();
    f.outbox.length = 0;
    const answer = await safe.register({ email: 'ada@example.com', password: newPassword });
    expect(answer).toEqual({
      id: expect.any(String),
      email: 'ada@example.com',
      emailVerified: false,
      mfaEnabled: false,
      createdAt: f.clock.now(),
      updatedAt: f.clock.now(),
    });
    expect(answer.id).not.toBe(owner.id);
    expect(f.repositories.state.users.size).toBe(1);
    await f.drain();
    expect(f.outbox.map((mail) => [mail.to, mail.subject])).toEqual([
      ['ada@example.com', 'Someone tried to create an account with your address'],
    ]);
    expect(f.outbox[0]?.text).toContain('https://app.example.com/');
    // Past the address's mail limit the answer is the same, and its owner is not mailed again.
    expect(await safe.register({ email: 'ada@example.com', password: newPassword })).toMatchObject({
      email: 'ada@example.com',
    });
    await f.drain();
    expect(f.outbox).toHaveLength(1);
    // Any other refusal is still an error.
    expect(await codeOf(safe.register({ email: 'grace@example.com', password: 'password' }))).toBe('WEAK_PASSWORD');
  });
});

describe('deleteAccount', () => {
  it('requires the password, with a field error on `password`', async () => {
    const user = await t.registered(password);
    const error = await t.users
      .deleteAccount(await t.sessionFor(user.id, 'current'), { password: 'not-it' })
      .catch((e) => e);
    expect(error.code).toBe('CURRENT_PASSWORD_INVALID');
    expect(error.fieldErrors).toEqual({ password: ['Password is incorrect'] });
    expect(t.repositories.state.users.has(user.id)).toBe(true);
  });

  it('deletes the user with its sessions, emailed tokens and events, leaving an anonymous trace', async () => {
    const user = await t.registered(password);
    const current = await t.sessionFor(user.id, 'current');
    await t.users.requestPasswordReset('ada@example.com');
    await t.drain();
    const at = t.clock.now();
    await t.repositories.securityEvents.record({ userId: user.id, type: 'login', at, ip: '192.0.2.1', userAgent: 'x' });
    await t.users.deleteAccount(current, { password });
    expect(t.repositories.state.users.has(user.id)).toBe(false);
    expect(t.repositories.state.sessions.size).toBe(0);
    expect(t.repositories.state.emailTokens.size).toBe(0);
    // The account's events go with it; an anonymous trace of the deletion stays.
    expect([...t.repositories.state.securityEvents.values()]).toEqual([
      { userId: null, type: 'account_deleted', at, ip: null, userAgent: null },
    ]);
    // A second call (a retried request) finds no account.
    expect(await codeOf(t.users.deleteAccount(current, { password }))).toBe('TOKEN_INVALID');
  });
});

describe('verifyEmail', () => {
  async function verificationToken() {
    const user = await t.users.register({ email: 'ada@example.com', password });
    await t.drain();
    return { user, token: tokenIn(t.outbox.at(-1)) };
  }

  it('marks the address verified and returns the user', async () => {
    const { user, token } = await verificationToken();
    t.clock.advance(1000);
    expect(await t.users.verifyEmail(token)).toEqual({ ...user, emailVerified: true, updatedAt: t.clock.now() });
  });

  it('works once', async () => {
    const { token } = await verificationToken();
    await t.users.verifyEmail(token);
    expect(await codeOf(t.users.verifyEmail(token))).toBe('VERIFY_TOKEN_INVALID');
  });

  it('expires after VERIFY_TOKEN_TTL', async () => {
    const { token } = await verificationToken();
    t.clock.advance(86_400 * 1000);
    expect(await codeOf(t.users.verifyEmail(token))).toBe('VERIFY_TOKEN_INVALID');
  });

  it('refuses a reset token, and garbage', async () => {
    await verificationToken();
    await t.users.requestPasswordReset('ada@example.com');
    await t.drain();
    expect(await codeOf(t.users.verifyEmail(tokenIn(t.outbox.at(-1))))).toBe('VERIFY_TOKEN_INVALID');
    expect(await codeOf(t.users.verifyEmail('garbage'))).toBe('VERIFY_TOKEN_INVALID');
  });
});

describe('resendVerification', () => {
  it('sends a fresh link and kills the older one', async () => {
    const user = await t.users.register({ email: 'ada@example.com', password });
    await t.drain();
    await t.users.resendVerification(await t.sessionFor(user.id, 'current'));
    await t.drain();
    const [older, newer] = t.outbox.map(tokenIn);
    expect(t.outbox).toHaveLength(2);
    expect(await codeOf(t.users.verifyEmail(older ?? ''))).toBe('VERIFY_TOKEN_INVALID');
    expect((await t.users.verifyEmail(newer ?? '')).emailVerified).toBe(true);
  });

  it('sends nothing once the address is verified', async () => {
    const user = await t.users.register({ email: 'ada@example.com', password });
    await t.drain();
    await t.users.verifyEmail(tokenIn(t.outbox[0]));
    await t.users.resendVerification(await t.sessionFor(user.id, 'current'));
    await t.drain();
    expect(t.outbox).toHaveLength(1);
  });
});
