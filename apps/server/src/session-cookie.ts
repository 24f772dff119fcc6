/**
 * The HTTP side of browser sessions: the refresh cookie read from a request and written on
 * its answer, and the CSRF checks of every call that can use it, made here — before the
 * request path (trpc-handler.ts) parses a body or runs a procedure.
 *
 * The custom header is the CSRF defence: a cross-site form cannot send it, and a cross-site
 * fetch with it needs a preflight that CORS refuses to other origins. The Origin check is the
 * second wall. Cookies are read and written by hand: one cookie whose value is a JWT
 * (base64url and dots, nothing to decode) does not need a cookie library.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionTransport } from '@keyway/api';

export interface SessionCookieConfig {
  name: string;
  sameSite: 'Strict' | 'Lax';
  secure: boolean;
}

/** No wider than the API: the cookie goes only to tRPC calls. */
const cookiePath = '/trpc';
export const sessionHeader = 'x-keyway-session';
/**
 * The refresh cookie's value. Two cookies of that name (one planted by a sibling subdomain
 * with a narrower path is sent first) count as none: the call must not run in whichever
 * session the browser happened to list first.
 */
function cookieValue(request: IncomingMessage, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  const values = header
    .split(';')
    .map((pair) => pair.split('='))
    .filter(([key]) => key?.trim() === name)
    .map(([, ...value]) => value.join('=').trim());
  return values.length === 1 && values[0] ? values[0] : null;
}

/** An Origin header as browsers send it: scheme, host and port only (no user info, no path). */
function isSerializedOrigin(origin: string, url: URL): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && origin === `${url.protocol}//${url.host}`;
}

const isCookieMode = (request: IncomingMessage) => request.headers[sessionHeader]?.toString().trim() === 'cookie';

/**
 * `cookieProcedures`: the procedures that set, read or clear the refresh cookie (those with a
 * `session` meta in the router).
 */
export function createSessionCookies(
  config: SessionCookieConfig,
  allowedOrigins: ReadonlySet<string>,
  cookieProcedures: ReadonlySet<string>,
) {
  const attributes = `Path=${cookiePath}; HttpOnly; SameSite=${config.sameSite}${config.secure ? '; Secure' : ''}`;
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${config.name}=${value}; Max-Age=${maxAgeSeconds}; ${attributes}`;

  /** No Origin (a same-origin GET, a non-browser client), the server's own, or an allowed one. */
  function originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    if (allowedOrigins.has(origin)) return true;
    // The server's own host, in either scheme: TLS usually ends at a proxy in front of it.
    try {
      const url = new URL(origin);
      return isSerializedOrigin(origin, url) && url.host === request.headers.host;
    } catch {
      return false;
    }
  }

  return {
    /** Whether any of a request's procedures sets, reads or clears the refresh cookie. */
    uses: (procedures: string[]) => procedures.some((procedure) => cookieProcedures.has(procedure)),

    /**
     * Why a call to `procedures` (the paths of one request, a batch's several), one that `uses`
     * the cookie, must be refused with 403, or null. A cookie-mode call must come from an allowed origin; a refresh that
     * carries the cookie must be a cookie-mode call (it is the call that reads it).
     */
    refusal(request: IncomingMessage, procedures: string[]): string | null {
      if (isCookieMode(request)) return originAllowed(request) ? null : 'Origin not allowed for a cookie session';
      // A refresh with the cookie and a body that is not JSON (a cross-site form) can only mean
      // to use the cookie. With a JSON body, the procedure tells (a token in its input is
      // bearer mode, cookie or not).
      const json = request.headers['content-type']?.startsWith('application/json') ?? true;
      if (!json && procedures.includes('auth.refresh') && cookieValue(request, config.name) !== null) {
        return 'A call with the session cookie must send X-Keyway-Session: cookie';
      }
      return null;
    },

    /** The request's transport for the procedures: its cookie in cookie mode, and a Set-Cookie sink. */
    transport(request: IncomingMessage, response: ServerResponse): SessionTransport {
      const cookieMode = isCookieMode(request);
      const refreshCookie = cookieValue(request, config.name);
      const answer = (value: string) => {
        if (!response.headersSent) response.setHeader('Set-Cookie', value);
      };
      return {
        cookieMode,
        refreshCookie,
        setRefreshCookie: (refreshToken, maxAgeSeconds) => answer(cookie(refreshToken, maxAgeSeconds)),
        clearRefreshCookie: () => {
          // Only a browser session's call is answered with a cookie; bearer mode never is.
          if (cookieMode) answer(cookie('', 0));
        },
      };
    },
  };
}
