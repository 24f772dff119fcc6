/**
 * Browser sessions: the refresh token in an HttpOnly cookie instead of the answer's body.
 * Procedures never touch HTTP. The transport puts on the context what the request carried
 * (the `X-Keyway-Session: cookie` header, the refresh cookie) and a sink for the cookie to
 * answer with; a procedure opts in by its meta (`session: 'issue'` or `'clear'`) and the one
 * middleware every procedure runs behind does the rest (`applySessionCookie`). The CSRF
 * checks (that header, the Origin allow-list) are the transport's, made before any procedure
 * runs.
 */
import { TRPCError } from '@trpc/server';

export interface SessionTransport {
  /** The call carried `X-Keyway-Session: cookie` (and passed the transport's CSRF checks). */
  cookieMode: boolean;
  /** The refresh cookie the request carried, if any (used only in cookie mode). */
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

/**
 * The refresh token a refresh call presents: its input's, else (in cookie mode) the cookie.
 * The cookie without the header is refused (FORBIDDEN): that call would use the cookie
 * without the CSRF header. Neither is a validation failure of the missing field.
 */
export function presentedRefreshToken(transport: SessionTransport, inputToken: string | undefined): string {
  if (inputToken !== undefined) return inputToken;
  if (transport.refreshCookie !== null) {
    if (transport.cookieMode) return transport.refreshCookie;
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'A call with the session cookie must send X-Keyway-Session: cookie',
    });
  }
  const message = 'Refresh token is required';
  const cause = Object.assign(new Error(message), { fieldErrors: { refreshToken: [message] } });
  throw new TRPCError({ code: 'BAD_REQUEST', message: `refreshToken: ${message}`, cause });
}

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
