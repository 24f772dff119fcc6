/**
 * The user service's password flows, on in-memory repositories and the real outbox and mail
 * worker (as in user.service.test.ts): changing the password while signed in, asking for a
 * reset link, and resetting with it. Real SMTP delivery and real databases: core.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { authErrorCodeOf as codeOf, testPasswordHasher } from '../testing/index.js';
import { perTest } from '../testing/per-test.js';
import { createUserServiceFixture, tokenIn } from '../testing/user-service-fixture.js';

const password = 'plum-orbit-cascade';
const newPassword = 'violet-harbor-lantern';
const t = perTest(async () => createUserServiceFixture({ passwords: await testPasswordHasher() }));

describe('changePassword', () => {
  it('requires the current password, with a field error on `currentPassword`', async () => {
    const user = await t.registered(password);
    const error = await t.users
      .changePassword(await t.sessionFor(user.id, 'current'), { currentPassword: 'not-my-password', newPassword })
      .catch((e) => e);
    expect(error.code).toBe('CURRENT_PASSWORD_INVALID');
    expect(error.fieldErrors).toEqual({ currentPassword: ['Current password is incorrect'] });
    const stored = t.repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(await t.passwords.verify(password, stored)).toBe(true);
  });

  it('applies the policy to the new password, with a field error on `newPassword`', async () => {
    const user = await t.registered(password);
    const error = await t.users
      .changePassword(await t.sessionFor(user.id, 'current'), { currentPassword: password, newPassword: 'iloveyou' })
      .catch((e) => e);
    expect(error.code).toBe('WEAK_PASSWORD');
    expect(Object.keys(error.fieldErrors)).toEqual(['newPassword']);
  });

  it('sets the new password, ends every other session, keeps the current one', async () => {
    const user = await t.registered(password);
    const current = await t.sessionFor(user.id, 'current');
    await t.sessionFor(user.id, 'laptop');
    await t.sessionFor(user.id, 'phone');
    t.clock.advance(60_000);
    await t.users.changePassword(current, { currentPassword: password, newPassword });

    const stored = t.repositories.state.users.get(user.id);
    expect(await t.passwords.verify(newPassword, stored?.passwordHash ?? '')).toBe(true);
    expect(await t.passwords.verify(password, stored?.passwordHash ?? '')).toBe(false);
    expect(stored?.updatedAt).toEqual(t.clock.now());
    const revoked = Object.fromEntries([...t.repositories.state.sessions.values()].map((s) => [s.id, s.revokedAt]));
    expect(revoked).toEqual({ current: null, laptop: t.clock.now(), phone: t.clock.now() });
  });

  it('kills a password reset link that was already on its way', async () => {
    const user = await t.registered(password);
    await t.users.requestPasswordReset('ada@example.com');
    await t.drain();
    await t.users.changePassword(await t.sessionFor(user.id, 'current'), { currentPassword: password, newPassword });
    expect(
      await codeOf(t.users.resetPassword({ token: tokenIn(t.outbox[0]), newPassword: 'amber-quartz-meadow' })),
    ).toBe('RESET_TOKEN_INVALID');
  });
});

describe('requestPasswordReset', () => {
  it('queues one message for an unknown address as for a known one, and sends nothing to it', async () => {
    await t.registered(password);
    await t.users.requestPasswordReset('nobody@example.com');
    await t.users.requestPasswordReset('ada@example.com');
    expect(t.queued().map(({ recipient, kind, payload }) => ({ recipient, kind, payload }))).toEqual([
      { recipient: 'nobody@example.com', kind: 'password-reset', payload: '{}' },
      { recipient: 'ada@example.com', kind: 'password-reset', payload: '{}' },
    ]);
    await t.drain();
    expect(t.outbox.map((mail) => mail.to)).toEqual(['ada@example.com']);
    expect(t.queued()).toHaveLength(0);
  });

  it('sends a reset link off the request path for a known address', async () => {
    await t.registered(password);
    await t.users.requestPasswordReset('ada@example.com');
    expect(t.outbox).toHaveLength(0);
    await t.drain();
    expect(t.outbox).toHaveLength(1);
    expect(t.outbox[0]?.subject).toBe('Reset your password');
    expect(t.outbox[0]?.text).toContain(`https://app.example.com/reset-password?token=${tokenIn(t.outbox[0])}`);
  });

  it('makes only the newest link work', async () => {
    await t.registered(password);
    await t.users.requestPasswordReset('ada@example.com');
    await t.users.requestPasswordReset('ada@example.com');
    await t.drain();
    const [older, newer] = t.outbox.map(tokenIn);
    expect(await codeOf(t.users.resetPassword({ token: older ?? '', newPassword }))).toBe('RESET_TOKEN_INVALID');
    await expect(t.users.resetPassword({ token: newer ?? '', newPassword })).resolves.toBeUndefined();
  });
});

describe('resetPassword', () => {
  async function resetToken() {
    const user = await t.registered(password);
    await t.users.requestPasswordReset('ada@example.com');
    await t.drain();
    return { user, token: tokenIn(t.outbox.at(-1)) };
  }

  it('sets the new password and ends every session of the user', async () => {
    const { user, token } = await resetToken();
    await t.sessionFor(user.id, 'laptop');
    await t.sessionFor(user.id, 'phone');
    await t.users.resetPassword({ token, newPassword });
    const stored = t.repositories.state.users.get(user.id)?.passwordHash ?? '';
    expect(await t.passwords.verify(newPassword, stored)).toBe(true);
    expect([...t.repositories.state.sessions.values()].every((session) => session.revokedAt !== null)).toBe(true);
  });

  it('works once', async () => {
    const { token } = await resetToken();
    await t.users.resetPassword({ token, newPassword });
    expect(await codeOf(t.users.resetPassword({ token, newPassword: 'amber-quartz-meadow' }))).toBe(
      'RESET_TOKEN_INVALID',
    );
  });

  it('expires after RESET_TOKEN_TTL', async () => {
    const { token } = await resetToken();
    t.clock.advance(3600 * 1000);
    expect(await codeOf(t.users.resetPassword({ token, newPassword }))).toBe('RESET_TOKEN_INVALID');
  });

  it('refuses a weak new password without spending the token', async () => {
    const { token } = await resetToken();
    const error = await t.users.resetPassword({ token, newPassword: 'password1' }).catch((e) => e);
    expect(error.code).toBe('WEAK_PASSWORD');
    expect(Object.keys(error.fieldErrors)).toEqual(['newPassword']);
    await expect(t.users.resetPassword({ token, newPassword })).resolves.toBeUndefined();
  });

  it('refuses a verification token, and garbage', async () => {
    await t.users.register({ email: 'ada@example.com', password });
    await t.drain();
    const verifyToken = tokenIn(t.outbox[0]);
    expect(await codeOf(t.users.resetPassword({ token: verifyToken, newPassword }))).toBe('RESET_TOKEN_INVALID');
    expect(await codeOf(t.users.resetPassword({ token: 'garbage', newPassword }))).toBe('RESET_TOKEN_INVALID');
  });
});
