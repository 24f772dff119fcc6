/**
 * The middleware every procedure runs behind: the rate limits of the README's configuration table, and
 * the error envelope a client receives (codes, HTTP statuses, `fieldErrors`, `retryAfter`,
 * no stack traces), checked through tRPC's HTTP handling.
 */
import type { AuthCore } from '@keyway/auth-core';
import { testDialects } from '@keyway/auth-core/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from './context.js';
import { createRateLimiter, defaultRateLimitRules } from './rate-limit.js';
import { appRouter } from './router.js';
import { createTestHarness, type HttpBody, rejectionOf, type TestHarness } from './testing.js';

const password = 'plum-orbit-cascade';

describe.each(await testDialects())('rate limits on %s', (dialect) => {
  let h: TestHarness;
  let ipCounter = 0;
  /** A fresh client address per test, so tests do not share counts. */
  const newIp = () => `198.51.100.${++ipCounter}`;

  beforeAll(async () => {
    h = await createTestHarness({
      dialect,
      rules: {
        loginAccount: { max: 2, windowSeconds: 900 },
        loginIp: { max: 5, windowSeconds: 60 },
        registerIp: { max: 2, windowSeconds: 3600 },
        resetIp: { max: 2, windowSeconds: 3600 },
        defaultIp: { max: 3, windowSeconds: 60 },
      },
    });
  });
  afterAll(() => h.close());

  /** Registers without going through the register limit. */
  async function account(label: string) {
    const email = `${label}-${dialect}@example.com`;
    await h.core.forRequest().users.register({ email, password });
    return email;
  }

  async function expectLimited(call: Promise<unknown>, windowSeconds: number) {
    const error = await rejectionOf(call);
    expect(error.code).toBe('TOO_MANY_REQUESTS');
    const retryAfter = (error.cause as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  }

  it('limits login attempts per client IP, successful or not', async () => {
    const email = await account('ip-limit');
    const ip = newIp();
    const login = (candidate: string) => h.caller({ clientIp: ip }).auth.login({ email, password: candidate });
    await login(password);
    await login(password);
    await expect(login('wrong-password')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await login(password);
    await login(password);
    await expectLimited(login(password), 60);
    // Another client is not affected.
    await expect(h.caller({ clientIp: newIp() }).auth.login({ email, password })).resolves.toBeDefined();
  });

  it('counts failed logins per (IP, email) and then refuses even the right password', async () => {
    const email = await account('victim');
    const ip = newIp();
    const login = (candidate: string, address = email, clientIp = ip) =>
      h.caller({ clientIp }).auth.login({ email: address, password: candidate });
    await expect(login('wrong-1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // The email is normalised before it is counted: case and spaces do not dodge the limit.
    await expect(login('wrong-2', ` ${email.toUpperCase()} `)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expectLimited(login(password), 900);

    // The same email from another address, and another email from this one, are fine.
    await expect(login(password, email, newIp())).resolves.toBeDefined();
    const other = await account('bystander');
    await expect(login(password, other)).resolves.toBeDefined();
  });

  it('clears the failed-login count on a successful login', async () => {
    const email = await account('forgetful');
    const ip = newIp();
    const login = (candidate: string) => h.caller({ clientIp: ip }).auth.login({ email, password: candidate });
    await expect(login('wrong-1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await login(password);
    await expect(login('wrong-2')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Without the reset this would be the third failure in the window, and refused.
    await expect(login('wrong-3')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expectLimited(login(password), 900);
  });

  it('refuses a burst of parallel guesses beyond the failed-login limit', async () => {
    // Counting only after each attempt fails would let every request of a burst past the
    // check before the first failure is recorded.
    const email = await account('burst');
    const caller = h.caller({ clientIp: newIp() });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) => caller.auth.login({ email, password: `wrong-guess-${index}` })),
    );
    const codes = results.map((result) => (result.status === 'rejected' ? result.reason.code : 'OK'));
    expect(codes.filter((code) => code === 'UNAUTHORIZED')).toHaveLength(2);
    expect(codes.filter((code) => code === 'TOO_MANY_REQUESTS')).toHaveLength(3);
  });

  it('does not count malformed login input as a failed login', async () => {
    const email = await account('typo');
    const ip = newIp();
    const caller = h.caller({ clientIp: ip });
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(caller.auth.login({ email, password: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(caller.auth.login({ email, password })).resolves.toBeDefined();
  });

  it('limits registrations per client IP', async () => {
    const ip = newIp();
    const register = (label: string) =>
      h.caller({ clientIp: ip }).users.register({ email: `${label}-${dialect}@example.com`, password });
    await register('first');
    await expect(register('first')).rejects.toMatchObject({ code: 'CONFLICT' }); // counted too
    await expectLimited(register('third'), 3600);
  });

  it('limits password-reset requests per client IP, known address or not', async () => {
    const email = await account('reset-limit');
    const ip = newIp();
    const request = (address: string) => h.caller({ clientIp: ip }).users.requestPasswordReset({ email: address });
    await request(email);
    await request(`nobody-${dialect}@example.com`);
    await expectLimited(request(email), 3600);
  });

  it('limits every other procedure per client IP, before authentication', async () => {
    const { session } = await h.loginAs({ email: await account('busy'), password });
    const ip = newIp();
    const caller = h.caller({ clientIp: ip, accessToken: session.accessToken });
    await caller.users.me();
    await expect(h.caller({ clientIp: ip }).users.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(caller.users.verifyEmail({ token: 'garbage' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expectLimited(caller.users.me(), 60);
    await expectLimited(caller.auth.refresh({ refreshToken: session.refreshToken }), 60);
  });

  it('answers over HTTP with 429 and error.data.retryAfter in seconds', async () => {
    const ip = newIp();
    for (let call = 0; call < 3; call++) await h.http('users.me', { method: 'GET', clientIp: ip });
    const { status, body } = await h.http('users.me', { method: 'GET', clientIp: ip });
    expect(status).toBe(429);
    expect(body.error?.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(body.error?.data.retryAfter).toBeGreaterThanOrEqual(1);
    expect(body.error?.data.retryAfter).toBeLessThanOrEqual(60);
    expect(body.error?.message).toMatch(/^Too many requests; try again in \d+ seconds$/);
  });
});

describe('rate limit windows', () => {
  it('let a client in again once its window has passed', async () => {
    const h = await createTestHarness({ rules: { defaultIp: { max: 1, windowSeconds: 1 } } });
    try {
      const caller = h.caller({ clientIp: '192.0.2.50' });
      await expect(caller.users.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(caller.users.me()).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await expect(caller.users.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await h.close();
    }
  });
});

describe('the error envelope over HTTP', () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness();
  });
  afterAll(() => h.close());

  const expectNoStack = (body: HttpBody) => {
    expect(body.error?.data).not.toHaveProperty('stack');
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.ts:\d+/);
  };

  it('answers a success as {result:{data}}', async () => {
    const { status, body } = await h.http('users.register', {
      input: { email: 'envelope@example.com', password },
    });
    expect(status).toBe(200);
    expect(body.result?.data).toMatchObject({ user: { email: 'envelope@example.com', emailVerified: false } });
  });

  it('answers invalid input with 400 and fieldErrors per field', async () => {
    const { status, body } = await h.http('users.register', { input: { email: 'nope', password: 'short' } });
    expect(status).toBe(400);
    expect(body.error?.data).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      path: 'users.register',
      fieldErrors: {
        email: ['Enter a valid email address'],
        password: ['Password must be at least 8 characters'],
      },
    });
    expect(body.error?.message).toBe(
      'email: Enter a valid email address; password: Password must be at least 8 characters',
    );
    expectNoStack(body);
  });

  it('reports a missing field and a wrongly typed one as field errors', async () => {
    const { status, body } = await h.http('auth.login', { input: { email: 42 } });
    expect(status).toBe(400);
    expect(Object.keys(body.error?.data.fieldErrors ?? {}).sort()).toEqual(['email', 'password']);
  });

  it('answers a weak password with 400 and a field error from the policy', async () => {
    const { status, body } = await h.http('users.register', {
      input: { email: 'weak@example.com', password: 'password' },
    });
    expect(status).toBe(400);
    expect(body.error?.data.fieldErrors).toEqual({
      password: ['This password is too common; choose a less guessable one'],
    });
    expect(body.error?.message).toBe('This password is too common; choose a less guessable one');
  });

  it('answers a wrong current password with 400 and a field error', async () => {
    const { session, password: current } = await h.loginAs();
    const { status, body } = await h.http('users.changePassword', {
      accessToken: session.accessToken,
      input: { currentPassword: `${current}-wrong`, newPassword: 'violet-harbor-lantern' },
    });
    expect(status).toBe(400);
    expect(body.error?.data.fieldErrors).toEqual({ currentPassword: ['Current password is incorrect'] });
  });

  it('answers a bad token with 401, a duplicate email with 409, a bad reset token with 400', async () => {
    const unauthorized = await h.http('users.me', { method: 'GET', accessToken: 'garbage' });
    expect([unauthorized.status, unauthorized.body.error?.data.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(unauthorized.body.error?.message).toBe('Invalid or expired token');
    expectNoStack(unauthorized.body);

    const { email } = await h.createUser();
    const conflict = await h.http('users.register', { input: { email: email.toUpperCase(), password } });
    expect([conflict.status, conflict.body.error?.data.code]).toEqual([409, 'CONFLICT']);

    const badToken = await h.http('users.resetPassword', {
      input: { token: 'garbage', newPassword: 'amber-quartz-meadow' },
    });
    expect([badToken.status, badToken.body.error?.data.code]).toEqual([400, 'BAD_REQUEST']);
    expect(badToken.body.error?.data).not.toHaveProperty('fieldErrors');
  });

  it('answers an unexpected error with 500, "Internal server error" and the request id, nothing else', async () => {
    const broken = {
      forRequest() {
        throw new Error('secret detail: connection string postgres://admin:hunter2@db');
      },
    } as unknown as AuthCore;
    const response = await fetchRequestHandler({
      endpoint: '/trpc',
      router: appRouter,
      req: new Request('http://keyway.test/trpc/users.me', { method: 'GET' }),
      createContext: () =>
        createContextInner({
          core: broken,
          rateLimiter: createRateLimiter({ rules: defaultRateLimitRules, store: { kind: 'memory' } }),
          clientIp: '192.0.2.1',
          accessToken: null,
          requestId: 'req-42',
        }),
    });
    const body = (await response.json()) as HttpBody;
    expect(response.status).toBe(500);
    expect(body.error?.message).toBe('Internal server error');
    expect(body.error?.data).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, requestId: 'req-42' });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expectNoStack(body);
  });
});
