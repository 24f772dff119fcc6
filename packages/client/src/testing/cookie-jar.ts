/**
 * A browser's cookie jar for Node tests (Node's fetch has none): a `fetch` that keeps what
 * `Set-Cookie` answers set and sends it back on calls made with `credentials: 'include'`,
 * as a browser does for one origin. Several clients given one jar are tabs of one browser.
 * It also records each call's path and `X-Keyway-Session` header, for the tests to check.
 */
import type { KeywayFetch } from '../client.js';

export interface RecordedCall {
  path: string;
  credentials: string | undefined;
  sessionHeader: string | null;
  sentCookie: boolean;
}

export function createCookieJar(baseFetch: KeywayFetch = globalThis.fetch) {
  const cookies = new Map<string, string>();
  const calls: RecordedCall[] = [];

  const fetch: KeywayFetch = async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init?.headers);
    const sendCookies = init?.credentials === 'include' && cookies.size > 0;
    if (sendCookies) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    calls.push({
      path: url.pathname.replace(/^\/trpc\//, ''),
      credentials: init?.credentials,
      sessionHeader: headers.get('x-keyway-session'),
      sentCookie: sendCookies,
    });
    const response = await baseFetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const maxAge = attributes.map((attribute) => /^\s*max-age=(-?\d+)/i.exec(attribute)?.[1]).find(Boolean);
      if (maxAge !== undefined && Number(maxAge) <= 0) cookies.delete(name);
      else cookies.set(name, pair.slice(separator + 1).trim());
    }
    return response;
  };

  return { fetch, cookies, calls };
}
