/**
 * Browser sessions: the refresh token in an HttpOnly cookie instead of the answer's body.
 * Procedures never touch HTTP. The transport puts on the context what the request carried
 * (the `X-Keyway-Session: cookie` header, the refresh cookie) and a sink for the cookie to
 * answer with; a procedure opts in by its meta (`session: 'issue'` or `'clear'`) and the one
 * middleware every procedure runs behind does the rest (`applySessionCookie`). The CSRF
 * checks (that header, the Origin allow-list) are the transport's, made before any procedure
 * runs.
 */

export interface SessionTransport {
  /** The call carried `X-Keyway-Session: cookie` (and passed the transport's CSRF checks). */
  cookieMode: boolean;
  /** The refresh cookie, read only in cookie mode; else null. */
  refreshCookie: string | null;
  /** Answer with the refresh cookie, living `maxAgeSeconds`. */
  setRefreshCookie(refreshToken: string, maxAgeSeconds: number): void;
  /** Answer with the refresh cookie cleared (`Max-Age=0`), if the call is a browser session's. */
  clearRefreshCookie(): void;
}

/** What a call without an HTTP transport (a server-side caller, a test) has: bearer mode. */
export const bearerOnlyTransport: SessionTransport = {
  cookieMode: false,
  refreshCookie: null,
  setRefreshCookie() {},
  clearRefreshCookie() {},
};

/** The `exp` claim (seconds) of a JWT this server has just signed; it is not verified again. */
function expiryOf(token: string): number {
  const payload = token.split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
  if (typeof claims.exp !== 'number') throw new Error('A refresh token without exp');
  return claims.exp;
}

/**
 * After a procedure succeeded: with `session: 'issue'` in cookie mode, moves the answer's
 * refresh token into the cookie (its `Max-Age` counting down to the session's absolute expiry,
 * which the token's `exp` is) and out of the body; with `session: 'clear'`, clears the cookie.
 * Failures never touch the cookie: a refused refresh must not clear a cookie that a
 * concurrent refresh has just rotated.
 */
export function applySessionCookie(
  mode: 'issue' | 'clear' | undefined,
  transport: SessionTransport,
  data: unknown,
  now: Date,
): unknown {
  if (mode === 'clear') {
    transport.clearRefreshCookie();
    return data;
  }
  if (mode !== 'issue' || !transport.cookieMode) return data;
  if (typeof data !== 'object' || data === null || !('refreshToken' in data)) return data;
  const { refreshToken, ...body } = data as { refreshToken: unknown };
  if (typeof refreshToken !== 'string') return data;
  const maxAgeSeconds = Math.max(0, expiryOf(refreshToken) - Math.floor(now.getTime() / 1000));
  transport.setRefreshCookie(refreshToken, maxAgeSeconds);
  return body;
}
