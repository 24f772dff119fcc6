/**
 * The rate limits over HTTP: every default rule, configured small through the
 * environment, answers 429 with a Retry-After header and `error.data.retryAfter`; and
 * TRUST_PROXY decides whose address is counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  errorOf,
  login,
  mutation,
  password,
  query,
  type Reply,
  register,
  registerAndLogin,
  send,
  startTestServer,
  type TestServer,
} from './testing.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(env: Record<string, string>): Promise<TestServer> {
  server = await startTestServer({ env });
  return server;
}

/** Asserts a 429 whose Retry-After header and `error.data.retryAfter` agree and fit the window. */
function expectLimited(reply: Reply, windowSeconds: number): void {
  expect(reply.status).toBe(429);
  const error = errorOf(reply);
  expect(error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
  const header = reply.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(windowSeconds);
  expect(error.data.retryAfter).toBe(seconds);
}

function expectNotLimited(reply: Reply): void {
  expect(reply.status, reply.text).not.toBe(429);
  expect(reply.headers.has('retry-after')).toBe(false);
}

describe('rate limits over HTTP', () => {
  it('RATE_LIMIT_LOGIN_IP counts every login attempt of a client IP', async () => {
    const t = await start({ RATE_LIMIT_LOGIN_IP: '3/1m' });
    await register(t.url, 'ip@example.com');
    expectNotLimited(await mutation(t.url, 'auth.login', { email: 'ip@example.com', password }));
    expectNotLimited(await mutation(t.url, 'auth.login', { email: 'ip@example.com', password: 'wrong password' }));
    expectNotLimited(await mutation(t.url, 'auth.login', { email: 'other@example.com', password }));
    // The fourth attempt is refused, whatever the account and even with the right password.
    expectLimited(await mutation(t.url, 'auth.login', { email: 'ip@example.com', password }), 60);
    // Other procedures count in their own buckets.
    expectNotLimited(await query(t.url, 'users.me'));
  });

  it('RATE_LIMIT_LOGIN_ACCOUNT counts failed logins per (IP, email), and a success clears them', async () => {
    const t = await start({ RATE_LIMIT_LOGIN_ACCOUNT: '2/15m' });
    await register(t.url, 'account@example.com');
    await register(t.url, 'neighbour@example.com');
    const attempt = (email: string, secret = 'wrong password') =>
      mutation(t.url, 'auth.login', { email, password: secret });

    expect((await attempt('account@example.com')).status).toBe(401);
    expect((await attempt('account@example.com', password)).status).toBe(200); // clears the count
    expect((await attempt('account@example.com')).status).toBe(401);
    expect((await attempt('ACCOUNT@example.com ')).status).toBe(401); // the same email, normalised
    // Two failures since the success: the account is locked for this IP, right password or not.
    expectLimited(await attempt('account@example.com', password), 15 * 60);
    expectLimited(await attempt('account@example.com'), 15 * 60);
    // Another account from the same IP is not affected.
    expect((await attempt('neighbour@example.com')).status).toBe(401);
    expect((await attempt('neighbour@example.com', password)).status).toBe(200);
  });

  it('RATE_LIMIT_REGISTER_IP counts registrations per client IP', async () => {
    const t = await start({ RATE_LIMIT_REGISTER_IP: '2/1h' });
    await register(t.url, 'first@example.com');
    // A refused registration counts too: the rule limits attempts.
    expect((await mutation(t.url, 'users.register', { email: 'first@example.com', password })).status).toBe(409);
    expectLimited(await mutation(t.url, 'users.register', { email: 'third@example.com', password }), 3600);
    expectNotLimited(await mutation(t.url, 'auth.login', { email: 'first@example.com', password }));
  });

  it('RATE_LIMIT_RESET_IP counts password-reset requests per client IP', async () => {
    const t = await start({ RATE_LIMIT_RESET_IP: '2/1h' });
    const ask = (email: string) => mutation(t.url, 'users.requestPasswordReset', { email });
    expectNotLimited(await ask('someone@example.com'));
    expectNotLimited(await ask('nobody@example.com'));
    expectLimited(await ask('someone@example.com'), 3600);
  });

  it('RATE_LIMIT_DEFAULT_IP counts every other procedure per client IP', async () => {
    const t = await start({ RATE_LIMIT_DEFAULT_IP: '4/1m' });
    const session = await registerAndLogin(t.url, 'default@example.com');
    expectNotLimited(await query(t.url, 'users.me', undefined, { token: session.accessToken }));
    expectNotLimited(await query(t.url, 'users.me'));
    expectNotLimited(await mutation(t.url, 'auth.refresh', { refreshToken: 'not-a-token' }));
    expectNotLimited(await mutation(t.url, 'users.verifyEmail', { token: 'not-a-token' }));
    expectLimited(await query(t.url, 'users.me', undefined, { token: session.accessToken }), 60);
    expectLimited(await mutation(t.url, 'auth.logout', {}, { token: session.accessToken }), 60);
    // Login and registration have their own rules and stay open.
    expectNotLimited(await mutation(t.url, 'auth.login', { email: 'default@example.com', password }));
  });

  it('counts each call of a batch, and a limited batch still carries Retry-After', async () => {
    const t = await start({ RATE_LIMIT_DEFAULT_IP: '2/1m' });
    const reply = await send(`${t.url}/trpc/users.me,users.me,users.me?batch=1&input=%7B%7D`);
    const entries = reply.json as Array<{ error: { data: { code: string; retryAfter?: number } } }>;
    expect(entries.map((entry) => entry.error.data.code)).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
      'TOO_MANY_REQUESTS',
    ]);
    expect(reply.headers.get('retry-after')).toBe(String(entries[2]?.error.data.retryAfter));
  });
});

describe('TRUST_PROXY', () => {
  const attempt = (t: TestServer, forwardedFor: string) =>
    mutation(
      t.url,
      'auth.login',
      { email: 'proxy@example.com', password: 'wrong password' },
      {
        headers: { 'X-Forwarded-For': forwardedFor },
      },
    );

  it('false: X-Forwarded-For is ignored and the socket address is counted', async () => {
    const t = await start({ RATE_LIMIT_LOGIN_IP: '2/1m', TRUST_PROXY: 'false' });
    expectNotLimited(await attempt(t, '198.51.100.1'));
    expectNotLimited(await attempt(t, '198.51.100.2'));
    expectLimited(await attempt(t, '198.51.100.3'), 60);
    expectLimited(await mutation(t.url, 'auth.login', { email: 'proxy@example.com', password }), 60);
  });

  it('true: the right-most entry (the one our proxy appended) is the client', async () => {
    const t = await start({ RATE_LIMIT_LOGIN_IP: '2/1m', TRUST_PROXY: 'true' });
    expectNotLimited(await attempt(t, '203.0.113.7'));
    expectNotLimited(await attempt(t, '203.0.113.7'));
    expectLimited(await attempt(t, '203.0.113.7'), 60);
    // Another client behind the same proxy has its own count.
    expectNotLimited(await attempt(t, '203.0.113.8'));
    // Without the header, the socket's address is counted separately.
    expectNotLimited(await mutation(t.url, 'auth.login', { email: 'proxy@example.com', password }));
  });

  it('true: a client-written left-most entry does not let a client escape its limit', async () => {
    const t = await start({ RATE_LIMIT_LOGIN_IP: '2/1m', TRUST_PROXY: 'true' });
    expectNotLimited(await attempt(t, '10.0.0.1, 203.0.113.9'));
    expectNotLimited(await attempt(t, '10.0.0.2, 203.0.113.9'));
    expectLimited(await attempt(t, '10.0.0.3, 203.0.113.9'), 60);
    expectLimited(await attempt(t, '203.0.113.7, 10.9.9.9,203.0.113.9'), 60);
    expectNotLimited(await attempt(t, '203.0.113.9, 203.0.113.10'));
  });

  it('true: the failed-login account key uses the same client address', async () => {
    const t = await start({ RATE_LIMIT_LOGIN_ACCOUNT: '1/15m', TRUST_PROXY: 'true' });
    await register(t.url, 'proxy@example.com');
    expect((await attempt(t, '1.1.1.1, 203.0.113.20')).status).toBe(401);
    expectLimited(await attempt(t, '2.2.2.2, 203.0.113.20'), 15 * 60);
    // The same account from another client is not locked out by someone else's failures.
    const elsewhere = await login(t.url, 'proxy@example.com', { headers: { 'X-Forwarded-For': '203.0.113.21' } });
    expect(elsewhere.user.email).toBe('proxy@example.com');
  });
});
