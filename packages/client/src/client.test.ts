import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '@keyway/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeywayClient, type KeywayFetch } from './client.js';
import { errorCodeOf, fieldErrorsOf, retryAfterOf } from './errors.js';
import { MapStorage } from './testing/map-storage.js';
import { password, startFileServer } from './testing/server.js';
import { localStorageTokens, memoryTokens, type TokenStore } from './token-store.js';
import type { RouterInputs } from './types.js';

const { clock, server } = await startFileServer();

/** Moves the server's clock past the access token lifetime (refresh tokens stay valid). */
function expireAccessTokens() {
  clock.advance((server.config.accessTokenTtlSeconds + 1) * 1000);
}

function urlOf(input: Parameters<KeywayFetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/** The global fetch, counting the refresh requests that go through it. */
function refreshCountingFetch() {
  const counter = { refreshes: 0, failRefresh: false };
  const fetchImpl: KeywayFetch = async (input, init) => {
    if (urlOf(input).includes('/trpc/auth.refresh')) {
      counter.refreshes += 1;
      if (counter.failRefresh) throw new TypeError('fetch failed');
    }
    return fetch(input as string, init as RequestInit);
  };
  return Object.assign(counter, { fetch: fetchImpl });
}

async function signedInClient(tokens: TokenStore = memoryTokens(), fetchImpl?: KeywayFetch) {
  const email = `user-${randomUUID()}@example.com`;
  const kw = createKeywayClient({ url: server.url, tokens, fetch: fetchImpl });
  await kw.users.register.mutate({ email, password });
  await kw.auth.login.mutate({ email, password });
  return { kw, email, tokens };
}

describe('createKeywayClient against a real server', () => {
  it('stores the pair login returns and attaches the access token to later calls', async () => {
    const tokens = memoryTokens();
    const kw = createKeywayClient({ url: `${server.url}/`, tokens });
    const email = `user-${randomUUID()}@example.com`;
    await kw.users.register.mutate({ email: ` ${email.toUpperCase()} `, password });
    expect(tokens.get()).toBeNull();

    const login = await kw.auth.login.mutate({ email, password });
    if ('mfaRequired' in login) throw new Error('Expected a token pair');

    expect(tokens.get()).toEqual({ accessToken: login.accessToken, refreshToken: login.refreshToken });
    const { user } = await kw.users.me.query();
    expect(user.email).toBe(email);
    expect(user.emailVerified).toBe(false);
  });

  it('refreshes an expired access token transparently and retries the call', async () => {
    const counter = refreshCountingFetch();
    const { kw, email, tokens } = await signedInClient(memoryTokens(), counter.fetch);
    const before = tokens.get();
    expireAccessTokens();

    const { user } = await kw.users.me.query();

    expect(user.email).toBe(email);
    expect(counter.refreshes).toBe(1);
    expect(tokens.get()?.refreshToken).not.toBe(before?.refreshToken);
    expect(tokens.get()?.accessToken).not.toBe(before?.accessToken);
  });

  it('makes five concurrent calls after expiry share exactly one refresh', async () => {
    const counter = refreshCountingFetch();
    const { kw, email } = await signedInClient(memoryTokens(), counter.fetch);
    expireAccessTokens();

    const results = await Promise.all(Array.from({ length: 5 }, () => kw.users.me.query()));

    expect(results.map((result) => result.user.email)).toEqual(Array(5).fill(email));
    expect(counter.refreshes).toBe(1);
  });

  it('makes two clients sharing one localStorageTokens() store refresh once between them', async () => {
    const counter = refreshCountingFetch();
    const tokens = localStorageTokens({ storage: new MapStorage() });
    const { kw: first, email } = await signedInClient(tokens, counter.fetch);
    const second = createKeywayClient({ url: server.url, tokens, fetch: counter.fetch });
    expireAccessTokens();

    const results = await Promise.all([first, second, first, second].map((kw) => kw.users.me.query()));

    expect(results.every((result) => result.user.email === email)).toBe(true);
    expect(counter.refreshes).toBe(1);
    // The session survived: nobody replayed the spent refresh token.
    expireAccessTokens();
    await expect(second.users.me.query()).resolves.toMatchObject({ user: { email } });
    expect(counter.refreshes).toBe(2);
  });

  it('makes two tabs (two stores on one storage) refresh once between them and keep the session', async () => {
    const counter = refreshCountingFetch();
    const storage = new MapStorage();
    const { kw: firstTab, email } = await signedInClient(localStorageTokens({ storage }), counter.fetch);
    const secondTabTokens = localStorageTokens({ storage });
    const secondTab = createKeywayClient({ url: server.url, tokens: secondTabTokens, fetch: counter.fetch });
    expect(secondTabTokens.get()).not.toBeNull();
    expireAccessTokens();

    const [first, second] = await Promise.all([firstTab.users.me.query(), secondTab.users.me.query()]);

    expect([first.user.email, second.user.email]).toEqual([email, email]);
    expect(counter.refreshes).toBe(1);
    await expect(firstTab.users.me.query()).resolves.toMatchObject({ user: { email } });
  });

  it('keeps separate copies of one pair signed in when they refresh at once (the server’s grace window)', async () => {
    const { kw, email, tokens } = await signedInClient();
    const copyTokens = memoryTokens(tokens.get());
    const copy = createKeywayClient({ url: server.url, tokens: copyTokens });
    expireAccessTokens();

    const results = await Promise.all([kw.users.me.query(), copy.users.me.query()]);

    // The server saw the same refresh token twice and answered both with the one current token.
    expect(results.map((result) => result.user.email)).toEqual([email, email]);
    expect(tokens.get()?.refreshToken).toBe(copyTokens.get()?.refreshToken);
    await expect(kw.users.me.query()).resolves.toBeDefined();
  });

  it('clears the tokens on logout, after which calls are UNAUTHORIZED without a refresh', async () => {
    const counter = refreshCountingFetch();
    const { kw, tokens } = await signedInClient(memoryTokens(), counter.fetch);

    await expect(kw.auth.logout.mutate({})).resolves.toEqual({ success: true });

    expect(tokens.get()).toBeNull();
    const error = await kw.users.me.query().catch((caught: unknown) => caught);
    expect(errorCodeOf(error)).toBe('UNAUTHORIZED');
    expect(counter.refreshes).toBe(0);
  });

  it('clears the tokens on logoutAll, even when the access token had expired', async () => {
    const { kw, tokens } = await signedInClient();
    expireAccessTokens();

    await expect(kw.auth.logoutAll.mutate()).resolves.toEqual({ success: true });

    expect(tokens.get()).toBeNull();
  });

  it('surfaces UNAUTHORIZED and clears the tokens when the refresh fails', async () => {
    const counter = refreshCountingFetch();
    const { kw, email, tokens } = await signedInClient(memoryTokens(), counter.fetch);
    // Another device logs out everywhere: this session's tokens are revoked server-side.
    const otherDevice = createKeywayClient({ url: server.url });
    await otherDevice.auth.login.mutate({ email, password });
    await otherDevice.auth.logoutAll.mutate();

    const error = await kw.users.me.query().catch((caught: unknown) => caught);

    expect(errorCodeOf(error)).toBe('UNAUTHORIZED');
    expect(counter.refreshes).toBe(1);
    expect(tokens.get()).toBeNull();
  });

  it('keeps the tokens when the refresh cannot reach the server, so a later call recovers', async () => {
    const counter = refreshCountingFetch();
    const { kw, email, tokens } = await signedInClient(memoryTokens(), counter.fetch);
    expireAccessTokens();
    counter.failRefresh = true;

    const error = await kw.users.me.query().catch((caught: unknown) => caught);

    expect(errorCodeOf(error)).toBeNull();
    expect(error).toBeInstanceOf(Error);
    expect(tokens.get()).not.toBeNull();
    counter.failRefresh = false;
    await expect(kw.users.me.query()).resolves.toMatchObject({ user: { email } });
  });

  it('does not refresh on a wrong password, and keeps the current session', async () => {
    const counter = refreshCountingFetch();
    const { kw, email, tokens } = await signedInClient(memoryTokens(), counter.fetch);
    const pair = tokens.get();

    const error = await kw.auth.login
      .mutate({ email, password: 'not the password' })
      .catch((caught: unknown) => caught);

    expect(errorCodeOf(error)).toBe('UNAUTHORIZED');
    expect(counter.refreshes).toBe(0);
    expect(tokens.get()).toBe(pair);
  });

  it('reads field errors of a validation failure', async () => {
    const kw = createKeywayClient({ url: server.url });

    const error = await kw.users.register
      .mutate({ email: 'not-an-email', password: 'short' })
      .catch((caught: unknown) => caught);

    expect(errorCodeOf(error)).toBe('BAD_REQUEST');
    const fieldErrors = fieldErrorsOf<RouterInputs['users']['register']>(error);
    expect(fieldErrors.email?.length).toBeGreaterThan(0);
    expect(fieldErrors.password?.length).toBeGreaterThan(0);
    expect(retryAfterOf(error)).toBeNull();
  });
});

describe('rate-limited answers', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ env: { RATE_LIMIT_LOGIN_ACCOUNT: '2/15m' } });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('tell how many seconds until the call may be retried', async () => {
    const kw = createKeywayClient({ url: limited.url });
    const login = { email: `nobody-${randomUUID()}@example.com`, password: 'wrong password' };
    await kw.auth.login.mutate(login).catch(() => undefined);
    await kw.auth.login.mutate(login).catch(() => undefined);

    const error = await kw.auth.login.mutate(login).catch((caught: unknown) => caught);

    expect(errorCodeOf(error)).toBe('TOO_MANY_REQUESTS');
    expect(retryAfterOf(error)).toBeGreaterThan(0);
    expect(fieldErrorsOf(error)).toEqual({});
  });
});
