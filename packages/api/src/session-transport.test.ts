/**
 * What the one middleware does with a procedure's answer in a browser session: the refresh
 * token moved from the body into the cookie (Max-Age to the token's own exp), the cookie
 * cleared on sign-out, and bearer mode left alone. Over real HTTP in the server's
 * session-cookie.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { applySessionCookie, bearerOnlyTransport, type SessionTransport } from './session-transport.js';

const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

function recordingTransport(cookieMode: boolean) {
  const calls: Array<[string, ...unknown[]]> = [];
  const transport: SessionTransport = {
    cookieMode,
    refreshCookie: null,
    setRefreshCookie: (token, maxAge) => calls.push(['set', token, maxAge]),
    clearRefreshCookie: () => calls.push(['clear']),
  };
  return { transport, calls };
}

describe('applySessionCookie', () => {
  const refreshToken = jwt({ exp: nowSeconds + 3600 });
  const answer = { accessToken: 'a', refreshToken, tokenType: 'Bearer', expiresIn: 900 };

  it('moves the refresh token into the cookie in cookie mode, living until its exp', () => {
    const { transport, calls } = recordingTransport(true);
    expect(applySessionCookie('issue', transport, answer, now)).toEqual({
      accessToken: 'a',
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(calls).toEqual([['set', refreshToken, 3600]]);
  });

  it('leaves bearer mode, answers without a refresh token and other procedures alone', () => {
    const bearer = recordingTransport(false);
    expect(applySessionCookie('issue', bearer.transport, answer, now)).toBe(answer);
    const cookie = recordingTransport(true);
    const mfaRequired = { mfaRequired: true, mfaToken: 'x' };
    expect(applySessionCookie('issue', cookie.transport, mfaRequired, now)).toBe(mfaRequired);
    expect(applySessionCookie(undefined, cookie.transport, answer, now)).toBe(answer);
    expect([...bearer.calls, ...cookie.calls]).toEqual([]);
    expect(applySessionCookie('issue', bearerOnlyTransport, answer, now)).toBe(answer);
  });

  it('clears the cookie on sign-out, and never sets a negative Max-Age', () => {
    const { transport, calls } = recordingTransport(true);
    expect(applySessionCookie('clear', transport, { success: true }, now)).toEqual({ success: true });
    applySessionCookie('issue', transport, { ...answer, refreshToken: jwt({ exp: nowSeconds - 5 }) }, now);
    expect(calls).toEqual([['clear'], ['set', expect.any(String), 0]]);
    expect(() => applySessionCookie('issue', transport, { ...answer, refreshToken: jwt({}) }, now)).toThrow();
  });
});
