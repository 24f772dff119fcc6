/**
 * `createKeywayClient`: the typed tRPC proxy of the whole Keyway router, behind the session
 * link (./session-link.ts) that attaches the access token, keeps the tokens a login returns,
 * renews an expired access token once for all concurrent calls and retries, and forgets the
 * session when it ends. `sessionOf(client)` is the session state a UI renders from.
 */
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import { cookieCredentials, cookieSessionHeaders } from './cookie-session.js';
import { bearerCredentials, type Credentials } from './credentials.js';
import { sessionLink } from './session-link.js';
import { createSessionState, type KeywaySession } from './session-state.js';
import { memoryTokens, type TokenStore } from './token-store.js';
import type { AppRouter } from './types.js';

/**
 * A `fetch` for the client to use instead of the global one (to add logging, a proxy, a count).
 * Typed as the platform's own `fetch` (DOM's or Node's), so the published declarations need
 * no type that only one of them has.
 */
export type KeywayFetch = typeof globalThis.fetch;

interface CommonOptions {
  /** The API's base URL, e.g. `http://localhost:3000` (tRPC is under `/trpc`). In a browser: the page's origin. */
  url?: string;
  fetch?: KeywayFetch;
}

/** Bearer mode (the default): the token pair lives in a `TokenStore`, for Node and native apps. */
export interface BearerSessionOptions extends CommonOptions {
  session?: 'bearer';
  /** Where the token pair lives: `memoryTokens()` unless set. */
  tokens?: TokenStore;
}

/**
 * Cookie mode, for browser apps: the refresh token lives in an HttpOnly cookie set by the
 * server, the access token only in memory; a reload stays signed in through the cookie.
 */
export interface CookieSessionOptions extends CommonOptions {
  session: 'cookie';
  tokens?: never;
}

export type KeywayClientOptions = BearerSessionOptions | CookieSessionOptions;

export type KeywayClient = TRPCClient<AppRouter>;

const sessions = new WeakMap<object, KeywaySession>();

/** The session state of a client made by `createKeywayClient`: `{ status, user }`, kept current. */
export function sessionOf(client: KeywayClient): KeywaySession {
  const session = sessions.get(client);
  if (!session) throw new Error('sessionOf() takes a client made by createKeywayClient()');
  return session;
}

function trpcUrl(url: string | undefined): string {
  const base = url ?? (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!base) throw new Error('createKeywayClient() needs { url } outside a browser');
  return `${base.replace(/\/+$/, '')}/trpc`;
}

/**
 * The typed client of the whole router: `kw.auth.login.mutate(...)`, `kw.users.me.query()`.
 * A wrong input or a misspelt procedure is a compile error.
 */
export function createKeywayClient(options: KeywayClientOptions = {}): KeywayClient {
  const url = trpcUrl(options.url);
  const cookieMode = options.session === 'cookie';
  const baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // Cookie mode: every call sends the cookie (also cross-origin) and the header naming the mode.
  const fetch: KeywayFetch | undefined = cookieMode
    ? (input, init) => baseFetch(input, { ...init, credentials: 'include' })
    : options.fetch;
  const modeHeaders: Record<string, string> = cookieMode ? { ...cookieSessionHeaders } : {};
  // A separate, link-free client for the refresh itself, so it never recurses into the session link.
  const refresher = createTRPCClient<AppRouter>({ links: [httpLink({ url, fetch, headers: modeHeaders })] });
  const credentials: Credentials = cookieMode
    ? cookieCredentials({
        channelName: `keyway-session:${url}`,
        refresh: async () => (await refresher.auth.refresh.mutate({})).accessToken,
      })
    : bearerCredentials(options.tokens ?? memoryTokens(), async (refreshToken) => {
        const pair = await refresher.auth.refresh.mutate({ refreshToken });
        if (!pair.refreshToken) throw new Error('auth.refresh answered without a refresh token in bearer mode');
        return { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
      });

  const state = createSessionState({
    initial: credentials.mayHaveSession() ? 'loading' : 'signed-out',
    me: () => client.users.me.query(),
  });
  credentials.subscribe((signedIn) => {
    if (signedIn) state.maybeSignedIn();
    else state.signedOut();
  });

  const client = createTRPCClient<AppRouter>({
    links: [
      sessionLink(credentials, state),
      // One request per call (not batched), so each call's Authorization header is exactly the
      // token the session link recorded for it, which is what decides whether to refresh.
      httpLink({
        url,
        fetch,
        headers: ({ op }) => {
          const token = op.context.accessToken;
          return typeof token === 'string' ? { ...modeHeaders, Authorization: `Bearer ${token}` } : modeHeaders;
        },
      }),
    ],
  });
  sessions.set(client, state.session);
  return client;
}
