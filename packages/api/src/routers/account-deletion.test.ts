/**
 * `users.deleteAccount` and `REGISTER_ENUMERATION_SAFE` through callers on real databases,
 * with mail delivered to the in-process SMTP server.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, type TestHarness } from '../testing.js';

/** The user id of a login answer (these accounts have no second factor). */
const userIdOf = (answer: object) => (answer as { user: { id: string } }).user.id;

describe.each(await testDialects())('account deletion on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());

  const codeOf = async (call: Promise<unknown>) => (await rejectionOf(call)).code;

  it('deletes the account: every token refused at once, the email registers again as a new user', async () => {
    const account = await h.loginAs();
    const other = await h.loginAs(account);
    expect(await account.caller.users.deleteAccount({ password: account.password })).toEqual({ success: true });
    for (const session of [account.session, other.session]) {
      expect(await codeOf(h.caller({ accessToken: session.accessToken }).users.me())).toBe('UNAUTHORIZED');
      expect(await codeOf(h.caller().auth.refresh({ refreshToken: session.refreshToken }))).toBe('UNAUTHORIZED');
    }
    expect(await codeOf(h.caller().auth.login({ email: account.email, password: account.password }))).toBe(
      'UNAUTHORIZED',
    );
    const { user } = await h.caller().users.register({ email: account.email, password: account.password });
    expect(user.id).not.toBe(account.session.user.id);
    expect(userIdOf(await h.caller().auth.login({ email: account.email, password: account.password }))).toBe(user.id);
  });

  it('refuses a wrong password with a field error and deletes nothing', async () => {
    const { caller, password, session } = await h.loginAs();
    const error = await rejectionOf(caller.users.deleteAccount({ password: `not-${password}` }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.cause).toMatchObject({ fieldErrors: { password: ['Password is incorrect'] } });
    expect((await caller.users.me()).user.id).toBe(session.user.id);
  });

  it('counts wrong passwords toward the account backoff', async () => {
    const { caller, password } = await h.loginAs();
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(await codeOf(caller.users.deleteAccount({ password: `wrong-${attempt}-${password}` }))).toBe(
        'BAD_REQUEST',
      );
    }
    expect(await codeOf(caller.users.deleteAccount({ password }))).toBe('TOO_MANY_REQUESTS');
    expect((await caller.users.me()).user).toBeDefined();
  });

  it('needs a bearer token and refuses bad input without a 500', async () => {
    expect(await codeOf(h.caller().users.deleteAccount({ password: 'whatever-password' }))).toBe('UNAUTHORIZED');
    const { caller } = await h.loginAs();
    const bad: unknown[] = [
      {},
      { password: '' },
      { password: 42 },
      { password: null },
      { password: 'x'.repeat(1025) },
      { password: 'lone-\ud800-surrogate' },
      'password',
      [],
    ];
    for (const input of bad) {
      expect(await codeOf(caller.users.deleteAccount(input as { password: string })), JSON.stringify(input)).toBe(
        'BAD_REQUEST',
      );
    }
    // Unicode that is well-formed is simply a wrong password.
    expect(await codeOf(caller.users.deleteAccount({ password: '😀\u0301\u200d\ufeff-🙂' }))).toBe('BAD_REQUEST');
    expect((await caller.users.me()).user).toBeDefined();
  });
});

describe.each(await testDialects())('REGISTER_ENUMERATION_SAFE on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect, config: { registerEnumerationSafe: true } });
  });
  afterAll(() => h.close());

  it('answers a taken email like a new one and mails the owner instead', async () => {
    const { email, password, user: owner } = await h.createUser();
    const { user } = await h
      .caller()
      .users.register({ email: `  ${email.toUpperCase()} `, password: 'other-Passphrase-77' });
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'mfaEnabled', 'updatedAt']);
    expect(user).toMatchObject({ email, emailVerified: false });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.id).not.toBe(owner.id);
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
    // Nothing changed for the owner, who is told.
    expect(userIdOf(await h.caller().auth.login({ email, password }))).toBe(owner.id);
    await h.core.idle();
    const notice = h.mailbox.messages.find((mail) => mail.to === email && /tried to create/.test(mail.subject));
    expect(notice?.text).toContain('already has one');
    expect(notice?.text).toContain(h.config.appUrl);
    expect(notice?.html).toContain('<a href=');
    // No verification link went to the caller of the second registration.
    expect(h.mailbox.messages.filter((mail) => mail.to === email && /Confirm/.test(mail.subject))).toHaveLength(1);
  });

  it('still registers new emails normally', async () => {
    const { user } = await h.createUser();
    expect(userIdOf(await h.caller().auth.login({ email: user.email, password: 'Tr0ub4dor&3-horse-staple' }))).toBe(
      user.id,
    );
  });
});
