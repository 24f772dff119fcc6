/**
 * Per-account backoff over real HTTP: failed logins of one email counted across client
 * addresses (behind a trusted proxy), a delay that doubles, refused before the password is
 * checked, the same for unknown emails, ended by a success or a password reset; and the
 * same secret check guarding `users.changePassword`. The clock is injected, so the delays
 * pass without sleeping.
 */
import { createManualClock } from '@keyway/auth-core';
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorOf, password, type SignedIn, startTestServer, type TestServer, unique } from './testing.js';

const env = { TRUST_PROXY: 'true', LOGIN_BACKOFF_AFTER: '10', LOGIN_BACKOFF_MAX: '15m' };

describe.each(await testDialects())('per-account backoff across IPs on %s', (dialect) => {
  const clock = createManualClock(new Date());
  let server: TestServer;
  let ipCounter = 0;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env, clock });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A login from a fresh client address, as a proxy would report it. */
  function loginFrom(email: string, password: string) {
    ipCounter += 1;
    return server.mutation(
      'auth.login',
      { email, password },
      { headers: { 'X-Forwarded-For': `198.51.100.${ipCounter % 250}` } },
    );
  }

  async function register() {
    const email = `${unique('backoff')}@example.com`;
    expect((await server.mutation('users.register', { email, password })).status).toBe(200);
    return email;
  }

  async function failTenTimes(email: string) {
    for (let i = 0; i < 10; i += 1) {
      const answer = await loginFrom(email, 'Wrong-Password-123');
      expect(answer.status).toBe(401);
    }
  }

  function expectRefused(answer: Awaited<ReturnType<typeof loginFrom>>, seconds: number) {
    expect(answer.status).toBe(429);
    expect(errorOf(answer).data.code).toBe('TOO_MANY_REQUESTS');
    expect(answer.headers.get('retry-after')).toBe(String(seconds));
    expect(errorOf(answer).data.retryAfter).toBe(seconds);
  }

  it('refuses the 11th login after 10 failures from 10 addresses, even with the right password', async () => {
    const email = await register();
    await failTenTimes(email);
    expectRefused(await loginFrom(email, password), 1);
    // The same for the email written differently.
    expectRefused(await loginFrom(` ${email.toUpperCase()} `, password), 1);
  });

  it('doubles the delay with each further failure, and the right password after it works and ends it', async () => {
    const email = await register();
    await failTenTimes(email);
    clock.advance(1000);
    expect((await loginFrom(email, 'Wrong-Password-123')).status).toBe(401);
    expectRefused(await loginFrom(email, password), 2);
    clock.advance(2000);
    expect((await loginFrom(email, 'Wrong-Password-123')).status).toBe(401);
    expectRefused(await loginFrom(email, password), 4);
    clock.advance(4000);
    expect((await loginFrom(email, password)).status).toBe(200);
    // Ended: the next failures start from zero again.
    for (let i = 0; i < 9; i += 1) expect((await loginFrom(email, 'Wrong-Password-123')).status).toBe(401);
    expect((await loginFrom(email, password)).status).toBe(200);
  });

  it('caps the delay at LOGIN_BACKOFF_MAX', async () => {
    const email = await register();
    await failTenTimes(email);
    for (let i = 0; i < 12; i += 1) {
      clock.advance(15 * 60_000);
      expect((await loginFrom(email, 'Wrong-Password-123')).status).toBe(401);
    }
    expectRefused(await loginFrom(email, password), 900);
  });

  it('treats an unknown email the same way', async () => {
    const email = `${unique('nobody')}@example.com`;
    await failTenTimes(email);
    expectRefused(await loginFrom(email, password), 1);
    clock.advance(1000);
    expect((await loginFrom(email, password)).status).toBe(401);
    expectRefused(await loginFrom(email, password), 2);
  });

  it('is ended by a password reset', async () => {
    const email = await register();
    await failTenTimes(email);
    expect((await server.mutation('users.requestPasswordReset', { email })).status).toBe(200);
    const message = await server.mailbox.waitFor(email, { subject: /reset/i, timeoutMs: 15_000 });
    const token = /token=([A-Za-z0-9_-]+)/.exec(message.text)?.[1];
    const newPassword = 'Another-Strong-Passphrase-7';
    expect((await server.mutation('users.resetPassword', { token, newPassword })).status).toBe(200);
    expect((await loginFrom(email, newPassword)).status).toBe(200);
  });

  it('counts wrong current passwords of users.changePassword and refuses them before checking', async () => {
    const email = await register();
    const login = await loginFrom(email, password);
    const token = dataOf<SignedIn>(login).accessToken;
    const change = (currentPassword: string) =>
      server.mutation('users.changePassword', { currentPassword, newPassword: 'Brand-New-Passphrase-9' }, { token });
    for (let i = 0; i < 10; i += 1) expect((await change('Wrong-Password-123')).status).toBe(400);
    const refused = await change(password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    // The same account's logins are backed off too: one count per account.
    expectRefused(await loginFrom(email, password), 1);
    clock.advance(1000);
    expect((await change(password)).status).toBe(200);
  });
});
