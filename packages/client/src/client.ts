/**
 * `createKeywayClient`: the typed tRPC proxy of the whole Keyway router, behind a session
 * link that keeps the token pair. It stores the pair `auth.login` and `auth.refresh` return,
 * attaches the access token to every other call, clears the pair when the session ends, and
 * on UNAUTHORIZED refreshes once — one refresh for all concurrent calls and tabs — and
 * retries the call.
 */
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { errorCodeOf } from './errors.js';
import { memoryTokens, type TokenPair, type TokenStore } from './token-store.js';
import type { AppRouter } from './types.js';

/**
 * A `fetch` for the client to use instead of the global one (to add logging, a proxy, a count).
 * Typed as the platform's own `fetch` (DOM's or Node's), so the published declarations need
 * no type that only one of them has.
 */
export type KeywayFetch = typeof globalThis.fetch;

export interface KeywayClientOptions {
  /** The API's base URL, e.g. `http://localhost:3000` (tRPC is under `/trpc`). In a browser: the page's origin. */
  url?: string;
  /** Where the token pair lives: `memoryTokens()` unless set; `localStorageTokens()` in a browser app. */
  tokens?: TokenStore;
  fetch?: KeywayFetch;
}

export type KeywayClient = TRPCClient<AppRouter>;

/** Calls that never carry the access token: for them UNAUTHORIZED is the answer, not an expired session. */
const sessionlessPaths = new Set(['auth.login', 'auth.refresh']);
/** Calls whose result is a new token pair. */
const pairPaths = new Set(['auth.login', 'auth.refresh']);
/** Calls after whose success the stored pair is dead. */
const sessionEndingPaths = new Set(['auth.logout', 'auth.logoutAll']);

function trpcUrl(url: string | undefined): string {
  const base = url ?? (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!base) throw new Error('createKeywayClient() needs { url } outside a browser');
  return `${base.replace(/\/+$/, '')}/trpc`;
}

function pairOf(data: unknown): TokenPair | null {
  if (typeof data !== 'object' || data === null) return null;
  const { accessToken, refreshToken } = data as Partial<Record<keyof TokenPair, unknown>>;
  return typeof accessToken === 'string' && typeof refreshToken === 'string' ? { accessToken, refreshToken } : null;
}

/** The server refused the refresh token itself; anything else (network, 5xx, 429) may pass. */
function isRejection(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code === 'UNAUTHORIZED' || code === 'BAD_REQUEST' || code === 'FORBIDDEN';
}

function toClientError(error: unknown): TRPCClientError<AppRouter> {
  return TRPCClientError.from<AppRouter>(error instanceof Error ? error : new Error(String(error)));
}

/**
 * Returns `renew(rejectedAccessToken)`: resolves true once the store holds a newer pair than
 * the rejected token (refreshed here, or already by another call or tab), false when the
 * session is over (the tokens are then cleared); rejects when the refresh could not be
 * answered (network, server error) and leaves the tokens as they are.
 */
function createRenewer(tokens: TokenStore, refresh: (refreshToken: string) => Promise<TokenPair>) {
  // Calls of this client rejected with the same token share one renewal without queuing on the lock.
  let pending: { rejected: string; renewal: Promise<boolean> } | null = null;

  const renewUnderLock = (rejected: string) =>
    tokens.lock(async () => {
      // Re-read after the wait: whoever held the lock before may have rotated the pair already.
      const current = tokens.get();
      if (!current) return false;
      if (current.accessToken !== rejected) return true;
      let next: TokenPair;
      try {
        next = await refresh(current.refreshToken);
      } catch (error) {
        if (!isRejection(error)) throw error;
        if (tokens.get()?.refreshToken === current.refreshToken) tokens.set(null);
        return false;
      }
      // Signed out (or in again) while the refresh was in flight: that decision stands.
      if (tokens.get()?.refreshToken !== current.refreshToken) return tokens.get() !== null;
      tokens.set(next);
      return true;
    });

  return (rejected: string): Promise<boolean> => {
    if (pending?.rejected === rejected) return pending.renewal;
    const renewal = renewUnderLock(rejected);
    const entry = { rejected, renewal };
    pending = entry;
    const release = () => {
      if (pending === entry) pending = null;
    };
    void renewal.then(release, release);
    return renewal;
  };
}

function sessionLink(tokens: TokenStore, renew: (rejected: string) => Promise<boolean>): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let closed = false;

        const attempt = (isRetry: boolean) => {
          const accessToken = sessionlessPaths.has(op.path) ? undefined : tokens.get()?.accessToken;
          subscription = next({ ...op, context: { ...op.context, accessToken } }).subscribe({
            next(envelope) {
              if (pairPaths.has(op.path)) {
                const pair = 'data' in envelope.result ? pairOf(envelope.result.data) : null;
                if (pair) tokens.set(pair);
              } else if (sessionEndingPaths.has(op.path)) {
                tokens.set(null);
              }
              observer.next(envelope);
            },
            error(error) {
              if (errorCodeOf(error) !== 'UNAUTHORIZED' || !accessToken || isRetry) {
                observer.error(error);
                return;
              }
              renew(accessToken).then(
                (renewed) => {
                  if (closed) return;
                  if (renewed) attempt(true);
                  else observer.error(error);
                },
                (refreshError: unknown) => {
                  if (!closed) observer.error(toClientError(refreshError));
                },
              );
            },
            complete() {
              observer.complete();
            },
          });
        };

        attempt(false);
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      });
}

/**
 * The typed client of the whole router: `kw.auth.login.mutate(...)`, `kw.users.me.query()`.
 * A wrong input or a misspelt procedure is a compile error.
 */
export function createKeywayClient(options: KeywayClientOptions = {}): KeywayClient {
  const url = trpcUrl(options.url);
  const tokens = options.tokens ?? memoryTokens();
  // A separate, link-free client for the refresh itself, so it never recurses into the session link.
  const refresher = createTRPCClient<AppRouter>({ links: [httpLink({ url, fetch: options.fetch })] });
  const renew = createRenewer(tokens, async (refreshToken) => {
    const pair = await refresher.auth.refresh.mutate({ refreshToken });
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
  });

  return createTRPCClient<AppRouter>({
    links: [
      sessionLink(tokens, renew),
      // One request per call (not batched), so each call's Authorization header is exactly the
      // token the session link recorded for it, which is what decides whether to refresh.
      httpLink({
        url,
        fetch: options.fetch,
        headers: ({ op }) => {
          const token = op.context.accessToken;
          return typeof token === 'string' ? { Authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}
