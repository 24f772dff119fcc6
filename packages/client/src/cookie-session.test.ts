/**
 * Cookie mode against a real server: the refresh token only ever in the (test's) cookie jar,
 * the access token only in memory, a reload signed in through the cookie, tabs that share
 * the jar kept in step, and concurrent calls sharing one refresh.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createKeywayClient, sessionOf } from './client.js';
import { errorCodeOf } from './errors.js';
import { createCookieJar } from './testing/cookie-jar.js';
import { password, startFileServer } from './testing/server.js';

const { clock, server } = await startFileServer();

type Jar = ReturnType<typeof createCookieJar>;

const browserIds = new WeakMap<Jar, string>();

/**
 * A tab of the browser whose cookies are in `jar`. Every client of this process would share
 * one BroadcastChannel scope, so each jar gets a scope of its own, as each browser has: a tab
 * left over from an earlier test (another browser) must not hear this browser's sign-ins.
 */
function tab(jar: Jar) {
  if (!browserIds.has(jar)) browserIds.set(jar, randomUUID());
  const browser = browserIds.get(jar);
  vi.stubGlobal(
    'BroadcastChannel',
    class extends BroadcastChannel {
      constructor(name: string) {
        super(`${browser}:${name}`);
      }
    },
  );
  try {
    return createKeywayClient({ url: server.url, session: 'cookie', fetch: jar.fetch });
  } finally {
    vi.unstubAllGlobals();
  }
}

async function signedInBrowser() {
  const jar = createCookieJar();
  const email = `cookie-${randomUUID()}@example.com`;
  const kw = tab(jar);
  await kw.users.register.mutate({ email, password });
  const login = await kw.auth.login.mutate({ email, password });
  return { jar, kw, email, login };
}

/** The refreshes the jar's tabs made since `from` (a count of its calls). */
const refreshesIn = (jar: Jar, from = 0) => jar.calls.slice(from).filter((call) => call.path === 'auth.refresh').length;

function expireAccessTokens() {
  clock.advance((server.config.accessTokenTtlSeconds + 1) * 1000);
}

async function statusBecomes(kw: ReturnType<typeof tab>, status: string, email?: string) {
  await vi.waitFor(
    () => {
      expect(sessionOf(kw).get().status).toBe(status);
      if (email) expect(sessionOf(kw).get().user?.email).toBe(email);
    },
    { timeout: 10_000, interval: 10 },
  );
}

describe('createKeywayClient({ session: "cookie" }) against a real server', () => {
  it('logs in with the refresh token in an HttpOnly cookie, never in the answer, and sends the mode on every call', async () => {
    const { jar, kw, email, login } = await signedInBrowser();

    expect(login).not.toHaveProperty('refreshToken');
    expect(jar.cookies.has('keyway_refresh')).toBe(true);
    await expect(kw.users.me.query()).resolves.toMatchObject({ user: { email } });
    expect(sessionOf(kw).get()).toMatchObject({ status: 'signed-in', user: { email } });
    expect(jar.calls.every((call) => call.credentials === 'include' && call.sessionHeader === 'cookie')).toBe(true);
  });

  it('stays signed in after a reload: the first call gets an access token from the cookie', async () => {
    const { jar, email } = await signedInBrowser();
    const reloaded = tab(jar);
    const callsBefore = jar.calls.length;
    expect(sessionOf(reloaded).get().status).toBe('loading');

    await sessionOf(reloaded).check();

    expect(sessionOf(reloaded).get()).toMatchObject({ status: 'signed-in', user: { email } });
    expect(jar.calls.slice(callsBefore).map((call) => call.path)).toEqual(['auth.refresh', 'users.me']);
  });

  it('makes concurrent calls without an access token share one refresh', async () => {
    const { jar, email } = await signedInBrowser();
    const reloaded = tab(jar);
    const from = jar.calls.length;

    const results = await Promise.all(Array.from({ length: 5 }, () => reloaded.users.me.query()));

    expect(results.map((result) => result.user.email)).toEqual(Array(5).fill(email));
    expect(refreshesIn(jar, from)).toBe(1);
  });

  it('refreshes an expired access token through the cookie and retries the call', async () => {
    const { jar, kw, email } = await signedInBrowser();
    const from = jar.calls.length;
    expireAccessTokens();

    await expect(kw.users.me.query()).resolves.toMatchObject({ user: { email } });
    expect(refreshesIn(jar, from)).toBe(1);
  });

  it('keeps two tabs that refresh at the same moment signed in', async () => {
    const { jar, kw: first, email } = await signedInBrowser();
    const second = tab(jar);
    await second.users.me.query();
    expireAccessTokens();

    const results = await Promise.all([first.users.me.query(), second.users.me.query()]);

    expect(results.map((result) => result.user.email)).toEqual([email, email]);
    await expect(tab(jar).users.me.query()).resolves.toMatchObject({ user: { email } });
  });

  it('logs out: the cookie is cleared, this tab and the others are signed out, a reload stays out', async () => {
    const { jar, kw, email } = await signedInBrowser();
    const other = tab(jar);
    await sessionOf(other).check();
    await statusBecomes(other, 'signed-in', email);

    await kw.auth.logout.mutate({});

    expect(jar.cookies.size).toBe(0);
    expect(sessionOf(kw).get()).toEqual({ status: 'signed-out', user: null });
    await statusBecomes(other, 'signed-out');
    const reloaded = tab(jar);
    await sessionOf(reloaded).check();
    expect(sessionOf(reloaded).get().status).toBe('signed-out');
    const error = await reloaded.users.me.query().catch((caught: unknown) => caught);
    expect(errorCodeOf(error)).toBe('UNAUTHORIZED');
  });

  it('signs this tab and the others out when the account is deleted, and the cookie goes with it', async () => {
    const { jar, kw, email } = await signedInBrowser();
    const other = tab(jar);
    await sessionOf(other).check();
    await statusBecomes(other, 'signed-in', email);

    await kw.users.deleteAccount.mutate({ password });

    expect(jar.cookies.size).toBe(0);
    expect(sessionOf(kw).get()).toEqual({ status: 'signed-out', user: null });
    await statusBecomes(other, 'signed-out');
  });

  it('tells the other tabs of a log-in, and they sign in through the shared cookie', async () => {
    const jar = createCookieJar();
    const email = `cookie-${randomUUID()}@example.com`;
    const [first, second] = [tab(jar), tab(jar)];
    await first.users.register.mutate({ email, password });
    await sessionOf(second).check();
    await statusBecomes(second, 'signed-out');

    await first.auth.login.mutate({ email, password });

    await statusBecomes(second, 'signed-in', email);
  });

  it('lets a signed-out visitor make public calls, asking the cookie only once', async () => {
    const jar = createCookieJar();
    const visitor = tab(jar);

    await visitor.users.requestPasswordReset.mutate({ email: `nobody-${randomUUID()}@example.com` });
    await visitor.users.requestPasswordReset.mutate({ email: `nobody-${randomUUID()}@example.com` });

    expect(refreshesIn(jar)).toBe(1);
    expect(sessionOf(visitor).get().status).toBe('signed-out');
  });

  it('signs out when the session was revoked elsewhere', async () => {
    const { jar, kw, email } = await signedInBrowser();
    const otherDevice = tab(createCookieJar());
    await otherDevice.auth.login.mutate({ email, password });
    await otherDevice.auth.logoutAll.mutate();
    const from = jar.calls.length;

    const error = await kw.users.me.query().catch((caught: unknown) => caught);

    expect(errorCodeOf(error)).toBe('UNAUTHORIZED');
    expect(sessionOf(kw).get().status).toBe('signed-out');
    expect(refreshesIn(jar, from)).toBe(1);
  });
});
