/**
 * Changing an account's email address, on in-memory repositories with the real outbox and
 * mail worker: the link goes to the new address and binds it, the old address keeps working
 * until the link is followed, and the answer never tells whether the new address is taken.
 * The same over HTTP on real databases: apps/server/src/email-change.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../passwords.js';
import { authErrorCodeOf as codeOf } from '../testing/index.js';
import { countingMailThrottle, createUserServiceFixture, tokenIn } from '../testing/user-service-fixture.js';

const password = 'plum-orbit-cascade';
let hasher: PasswordHasher;

beforeAll(async () => {
  hasher = await createPasswordHasher({ cost: 4 });
});

async function setup(options: { mailLimit?: number } = {}) {
  const f = createUserServiceFixture({
    passwords: hasher,
    mailThrottle: options.mailLimit ? countingMailThrottle(options.mailLimit) : undefined,
  });
  const user = await f.users.register({ email: 'ada@example.com', password });
  const principal = await f.sessionFor(user.id, 'current');
  await f.drain();
  f.outbox.length = 0;
  const mailsTo = (address: string) => f.outbox.filter((mail) => mail.to === address);
  return { ...f, user, principal, mailsTo };
}

describe('requestEmailChange and confirmEmailChange', () => {
  it('mails a link to the new address; following it moves the account there, verified, and tells the old one', async () => {
    const t = await setup();
    await t.users.requestEmailChange(t.principal, { newEmail: 'ada.new@example.com', password });
    // Nothing changes until the link is followed.
    expect((await t.repositories.users.findById(t.user.id))?.email).toBe('ada@example.com');
    await t.drain();
    const [link] = t.mailsTo('ada.new@example.com');
    expect(link?.subject).toBe('Confirm your new email address');
    expect(link?.text).toContain(`https://app.example.com/confirm-email-change?token=${tokenIn(link)}`);

    const moved = await t.users.confirmEmailChange(tokenIn(link));
    expect(moved).toMatchObject({ id: t.user.id, email: 'ada.new@example.com', emailVerified: true });
    expect(await codeOf(t.users.confirmEmailChange(tokenIn(link)))).toBe('EMAIL_CHANGE_TOKEN_INVALID');
    // The other sessions stay.
    expect(t.repositories.state.sessions.get('current')?.revokedAt).toBeNull();

    await t.drain();
    const [notice] = t.mailsTo('ada@example.com');
    expect(notice?.subject).toBe('Your Keyway email address was changed');
    expect(notice?.text).toContain('from ada@example.com to ada.new@example.com (2026-03-01 12:00 UTC)');
    const events = await t.repositories.securityEvents.listForUser(t.user.id, 10);
    expect(events.map((event) => event.type)).toContain('email_changed');
  });

  it('requires the password, with a field error on `password`', async () => {
    const t = await setup();
    const attempt = t.users.requestEmailChange(t.principal, { newEmail: 'ada.new@example.com', password: 'wrong' });
    await expect(attempt).rejects.toMatchObject({
      code: 'CURRENT_PASSWORD_INVALID',
      fieldErrors: { password: ['Password is incorrect'] },
    });
    await t.drain();
    expect(t.outbox).toEqual([]);
  });

  it('answers a taken address alike and mails nobody; the own address is a no-op', async () => {
    const t = await setup();
    await t.users.register({ email: 'grace@example.com', password });
    await t.drain();
    t.outbox.length = 0;
    await t.users.requestEmailChange(t.principal, { newEmail: 'grace@example.com', password });
    await t.users.requestEmailChange(t.principal, { newEmail: 'ada@example.com', password });
    await t.drain();
    expect(t.outbox).toEqual([]);
  });

  it('sends at most the mail limit to the new address, answering alike past it', async () => {
    const t = await setup({ mailLimit: 2 });
    for (let i = 0; i < 4; i++) {
      await t.users.requestEmailChange(t.principal, { newEmail: 'ada.new@example.com', password });
      await t.drain();
    }
    expect(t.mailsTo('ada.new@example.com')).toHaveLength(2);
  });

  it('sends nothing for a request that is no longer pending: a newer one (even one over the limit) ends it', async () => {
    const t = await setup({ mailLimit: 1 });
    await t.users.requestEmailChange(t.principal, { newEmail: 'first@example.com', password });
    await t.users.requestEmailChange(t.principal, { newEmail: 'second@example.com', password });
    await t.users.requestEmailChange(t.principal, { newEmail: 'third@example.com', password });
    await t.drain();
    // The first was queued but is no longer pending; the later ones were over the account's limit.
    expect(t.outbox).toEqual([]);
  });

  it('makes only the newest link work, and binds each link to its own address', async () => {
    const t = await setup();
    await t.users.requestEmailChange(t.principal, { newEmail: 'first@example.com', password });
    await t.drain();
    await t.users.requestEmailChange(t.principal, { newEmail: 'second@example.com', password });
    await t.drain();
    const [first] = t.mailsTo('first@example.com');
    const [second] = t.mailsTo('second@example.com');
    expect(await codeOf(t.users.confirmEmailChange(tokenIn(first)))).toBe('EMAIL_CHANGE_TOKEN_INVALID');
    expect((await t.users.confirmEmailChange(tokenIn(second))).email).toBe('second@example.com');
  });

  it('refuses an address taken after the link was sent with EMAIL_TAKEN, changing nothing', async () => {
    const t = await setup();
    await t.users.requestEmailChange(t.principal, { newEmail: 'ada.new@example.com', password });
    await t.drain();
    await t.users.register({ email: 'ada.new@example.com', password });
    const [link] = t.mailsTo('ada.new@example.com');
    await expect(t.users.confirmEmailChange(tokenIn(link))).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
      fieldErrors: { email: ['This address now belongs to another account'] },
    });
    expect((await t.repositories.users.findById(t.user.id))?.email).toBe('ada@example.com');
    const events = await t.repositories.securityEvents.listForUser(t.user.id, 10);
    expect(events.map((event) => event.type)).not.toContain('email_changed');
  });

  it('kills the links sent to the old address (verification, reset) and refuses other tokens', async () => {
    const t = await setup();
    await t.users.requestPasswordReset('ada@example.com');
    await t.users.requestEmailChange(t.principal, { newEmail: 'ada.new@example.com', password });
    await t.drain();
    const [reset] = t.mailsTo('ada@example.com');
    const [link] = t.mailsTo('ada.new@example.com');
    expect(await codeOf(t.users.confirmEmailChange(tokenIn(reset)))).toBe('EMAIL_CHANGE_TOKEN_INVALID');
    expect(await codeOf(t.users.confirmEmailChange('garbage'))).toBe('EMAIL_CHANGE_TOKEN_INVALID');
    await t.users.confirmEmailChange(tokenIn(link));
    expect(await t.users.checkResetToken(tokenIn(reset))).toBe(false);
  });

  it('expires after VERIFY_TOKEN_TTL', async () => {
    const t = await setup();
    await t.users.requestEmailChange(t.principal, { newEmail: 'ada.new@example.com', password });
    await t.drain();
    t.clock.advance(86_400_000);
    expect(await codeOf(t.users.confirmEmailChange(tokenIn(t.mailsTo('ada.new@example.com')[0])))).toBe(
      'EMAIL_CHANGE_TOKEN_INVALID',
    );
  });
});
