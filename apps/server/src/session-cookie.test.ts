/**
 * Browser sessions over real HTTP: the refresh token in an HttpOnly cookie (each attribute),
 * refresh by that cookie through both request paths (single calls and batches), the CSRF
 * refusals (a cross-site Origin, a missing header, a form post) that change nothing, logout
 * clearing the cookie, and the CORS answers a credentialed browser app needs.
 */
import { createManualClock } from '@keyway/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  errorOf,
  jsonHeaders,
  password,
  query,
  type Reply,
  register,
  send,
  startTestServer,
  type TestServer,
} from './testing.js';

const appOrigin = 'https://app.example.com';
const cookieMode = { 'X-Keyway-Session': 'cookie' };
const clock = createManualClock(new Date());

interface Cookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

/** The one Set-Cookie of an answer, parsed (attribute names lower-cased). */
function setCookieOf(reply: Reply): Cookie | null {
  const [header, ...more] = reply.headers.getSetCookie();
  if (more.length > 0) throw new Error(`more than one Set-Cookie: ${reply.headers.getSetCookie()}`);
  if (!header) return null;
  const [pair = '', ...rest] = header.split(';').map((part) => part.trim());
  const separator = pair.indexOf('=');
  const attributes = new Map(
    rest.map((attribute) => {
      const [key = '', value = ''] = attribute.split('=');
      return [key.toLowerCase(), value];
    }),
  );
  return { name: pair.slice(0, separator), value: pair.slice(separator + 1), attributes };
}

describe('browser sessions: the refresh token in an HttpOnly cookie', () => {
  let t: TestServer;
  let counter = 0;
  beforeAll(async () => {
    t = await startTestServer({ clock, env: { CORS_ORIGINS: appOrigin } });
  });
  afterAll(() => t?.stop());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    send(`${t.url}/trpc/${path}`, {
      method: 'POST',
      headers: { ...jsonHeaders, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const withCookie = (value: string, headers: Record<string, string> = cookieMode) => ({
    ...headers,
    Cookie: `theme=dark; keyway_refresh=${value}`,
  });

  /** A new account signed in in cookie mode: the answer and its cookie. */
  async function cookieLogin() {
    const email = `cookie${++counter}@example.com`;
    await register(t.url, email);
    const reply = await post('auth.login', { email, password }, cookieMode);
    const cookie = setCookieOf(reply);
    if (!cookie) throw new Error(`no cookie: ${reply.text}`);
    return { email, reply, cookie, accessToken: dataOf<{ accessToken: string }>(reply).accessToken };
  }

  it('sets the refresh token as an HttpOnly, SameSite=Strict, Secure cookie on /trpc, and leaves it out of the body', async () => {
    const { reply, cookie, accessToken } = await cookieLogin();

    expect(Object.keys(dataOf<object>(reply)).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType', 'user']);
    expect(cookie.name).toBe('keyway_refresh');
    expect(t.server.core.tokens.verify(cookie.value, 'refresh')).toMatchObject({ typ: 'refresh' });
    expect(cookie.attributes.has('httponly')).toBe(true);
    expect(cookie.attributes.get('samesite')).toBe('Strict');
    expect(cookie.attributes.get('path')).toBe('/trpc');
    expect(cookie.attributes.has('secure')).toBe(true);
    expect(Number(cookie.attributes.get('max-age'))).toBe(t.config.refreshTokenTtlSeconds);
    expect((await query(t.url, 'users.me', undefined, { token: accessToken })).status).toBe(200);
  });

  it('refreshes by the cookie alone, rotating it, with a Max-Age that counts down to the session’s end', async () => {
    const { cookie } = await cookieLogin();
    clock.advance(86_400_000);

    const reply = await post('auth.refresh', undefined, withCookie(cookie.value));

    const pair = dataOf<Record<string, unknown>>(reply);
    expect(pair).not.toHaveProperty('refreshToken');
    const rotated = setCookieOf(reply);
    expect(rotated?.value).not.toBe(cookie.value);
    expect(Number(rotated?.attributes.get('max-age'))).toBe(t.config.refreshTokenTtlSeconds - 86_400);
    expect((await query(t.url, 'users.me', undefined, { token: String(pair.accessToken) })).status).toBe(200);
  });

  it('refreshes by the cookie in a batch too (the adapter’s path), with {} as input', async () => {
    const { cookie } = await cookieLogin();
    const reply = await send(`${t.url}/trpc/auth.refresh?batch=1`, {
      method: 'POST',
      headers: { ...jsonHeaders, ...withCookie(cookie.value) },
      body: JSON.stringify({ 0: {} }),
    });
    expect(reply.status).toBe(200);
    const [answer] = reply.json as Array<{ result: { data: Record<string, unknown> } }>;
    expect(answer?.result.data).not.toHaveProperty('refreshToken');
    expect(answer?.result.data.accessToken).toEqual(expect.any(String));
    expect(setCookieOf(reply)?.value).not.toBe(cookie.value);
  });

  it('refuses with 403, changing nothing, a cross-site Origin, a missing header, and a form post', async () => {
    const { cookie } = await cookieLogin();
    const refusals = [
      post('auth.refresh', {}, withCookie(cookie.value, { ...cookieMode, Origin: 'https://evil.example' })),
      post('auth.refresh', {}, withCookie(cookie.value, { ...cookieMode, Origin: 'null' })),
      post('auth.refresh', {}, withCookie(cookie.value, {})),
      send(`${t.url}/trpc/auth.refresh`, {
        method: 'POST',
        headers: { ...withCookie(cookie.value, {}), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'refreshToken=',
      }),
      post('auth.login', { email: 'x@example.com', password }, { ...cookieMode, Origin: 'https://evil.example' }),
      // The server's own host, but not as a browser writes an Origin.
      post(
        'auth.refresh',
        {},
        withCookie(cookie.value, { ...cookieMode, Origin: `http://evil@${new URL(t.url).host}` }),
      ),
      post('auth.refresh', {}, withCookie(cookie.value, { ...cookieMode, Origin: `${t.url}/path` })),
    ];
    for (const reply of await Promise.all(refusals)) {
      expect([reply.status, errorOf(reply).data.code]).toEqual([403, 'FORBIDDEN']);
      expect(setCookieOf(reply)).toBeNull();
    }
    // Nothing was spent: the cookie still refreshes, from the app's own origin.
    const allowed = await post('auth.refresh', {}, withCookie(cookie.value, { ...cookieMode, Origin: appOrigin }));
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('uses no cookie when two of its name arrive (one planted by a sibling subdomain)', async () => {
    const { cookie } = await cookieLogin();
    const planted = (await cookieLogin()).cookie;
    const headers = { ...cookieMode, Cookie: `keyway_refresh=${planted.value}; keyway_refresh=${cookie.value}` };
    const tossed = await post('auth.refresh', {}, headers);
    expect([tossed.status, errorOf(tossed).data.code]).toEqual([400, 'BAD_REQUEST']);
    expect((await post('auth.refresh', {}, withCookie(cookie.value))).status).toBe(200);
  });

  it('accepts the server’s own origin', async () => {
    const { cookie } = await cookieLogin();
    const reply = await post('auth.refresh', {}, withCookie(cookie.value, { ...cookieMode, Origin: t.url }));
    expect(reply.status).toBe(200);
  });

  it('clears the cookie on logout, on logoutAll and on account deletion, and the session ends', async () => {
    for (const [path, input] of [
      ['auth.logout', undefined],
      ['auth.logoutAll', undefined],
      ['users.deleteAccount', { password }],
    ] as const) {
      const { cookie, accessToken } = await cookieLogin();
      const reply = await post(path, input, {
        ...withCookie(cookie.value),
        Authorization: `Bearer ${accessToken}`,
      });
      expect(dataOf(reply)).toEqual({ success: true });
      const cleared = setCookieOf(reply);
      expect([cleared?.name, cleared?.value, cleared?.attributes.get('max-age')]).toEqual(['keyway_refresh', '', '0']);
      expect(cleared?.attributes.get('path')).toBe('/trpc');
      expect((await post('auth.refresh', undefined, withCookie(cookie.value))).status).toBe(401);
    }
  });

  it('never clears the cookie on a refused refresh (a concurrent one may just have rotated it)', async () => {
    const { cookie } = await cookieLogin();
    const refused = await post('auth.refresh', undefined, withCookie('not-a-token'));
    expect(refused.status).toBe(401);
    expect(setCookieOf(refused)).toBeNull();
    expect((await post('auth.refresh', undefined, withCookie(cookie.value))).status).toBe(200);
  });

  it('lets a bearer refresh through even with a stray cookie; only using the cookie needs the header', async () => {
    const { cookie } = await cookieLogin();
    const email = `stray${++counter}@example.com`;
    await register(t.url, email);
    const { refreshToken } = dataOf<{ refreshToken: string }>(await post('auth.login', { email, password }));
    const bearer = await post('auth.refresh', { refreshToken }, withCookie('junk', {}));
    expect(dataOf<object>(bearer)).toHaveProperty('refreshToken');
    expect(setCookieOf(bearer)).toBeNull();
    const usesCookie = await post('auth.refresh', {}, withCookie(cookie.value, {}));
    expect([usesCookie.status, errorOf(usesCookie).data.code]).toEqual([403, 'FORBIDDEN']);
    expect((await post('auth.refresh', {}, withCookie(cookie.value))).status).toBe(200);
  });

  it('keeps bearer mode as it was: the pair in the body, no cookie', async () => {
    const email = `bearer${++counter}@example.com`;
    await register(t.url, email);
    const login = await post('auth.login', { email, password });
    const { refreshToken } = dataOf<{ refreshToken: string }>(login);
    expect(setCookieOf(login)).toBeNull();
    const refreshed = await post('auth.refresh', { refreshToken });
    expect(dataOf<object>(refreshed)).toHaveProperty('refreshToken');
    expect(setCookieOf(refreshed)).toBeNull();
    const missing = await post('auth.refresh', {});
    expect([missing.status, errorOf(missing).data.fieldErrors?.refreshToken?.length]).toEqual([400, 1]);
  });

  it('answers a preflight allowing X-Keyway-Session, and credentials for allowed origins only', async () => {
    const preflight = await send(`${t.url}/trpc/auth.refresh`, {
      method: 'OPTIONS',
      headers: {
        Origin: appOrigin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, x-keyway-session',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(appOrigin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-keyway-session');

    const elsewhere = await send(`${t.url}/trpc/auth.refresh`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(elsewhere.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
