/**
 * How a client holds its session between calls. Bearer mode keeps the token pair in a
 * `TokenStore`; cookie mode (./cookie-session.ts) keeps only the access token, in memory, and
 * lets the browser keep the refresh token in an HttpOnly cookie. The session link
 * (./session-link.ts) and the session state (./session-state.ts) work with either.
 */
import { errorCodeOf } from './errors.js';
import type { TokenPair, TokenStore } from './token-store.js';

/** The tokens of a login or refresh answer; `refreshToken` is absent in cookie mode. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
}

export interface Credentials {
  /** The access token to attach to a call, if there is one. */
  accessToken(): string | undefined;
  /** Whether a session may exist that a refresh could reach (a stored pair, or a cookie). */
  mayHaveSession(): boolean;
  /** Keeps the tokens of an answer; `started` when it began a session (a login), not renewed one. */
  store(tokens: IssuedTokens, options: { started: boolean }): void;
  /** Forgets the session: signed out here, or refused by the server. */
  clear(): void;
  /**
   * Resolves true once there is a newer access token than `rejected` (refreshed here, or
   * already by another call or tab), false when the session is over (then cleared); rejects
   * when the refresh could not be answered (network, server error) and keeps what there is.
   */
  renew(rejected: string | undefined): Promise<boolean>;
  /** Reports sign-ins and sign-outs made elsewhere (another tab); returns the unsubscribe function. */
  subscribe(listener: (signedIn: boolean) => void): () => void;
}

/** The tokens of an answer (`auth.login`, `auth.refresh`, `auth.verifyMfa`), if it has any. */
export function issuedTokensOf(data: unknown): IssuedTokens | null {
  if (typeof data !== 'object' || data === null) return null;
  const { accessToken, refreshToken } = data as Record<string, unknown>;
  if (typeof accessToken !== 'string') return null;
  return typeof refreshToken === 'string' ? { accessToken, refreshToken } : { accessToken };
}

/** The server refused the refresh itself; anything else (network, 5xx, 429) may pass. */
export function isRejection(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code === 'UNAUTHORIZED' || code === 'BAD_REQUEST' || code === 'FORBIDDEN';
}

/**
 * Runs one renewal per rejected access token: calls of this client rejected with the same
 * token share it instead of each starting their own.
 */
export function shareRenewals(renew: (rejected: string | undefined) => Promise<boolean>) {
  let pending: { rejected: string | undefined; renewal: Promise<boolean> } | null = null;
  return (rejected: string | undefined): Promise<boolean> => {
    if (pending && pending.rejected === rejected) return pending.renewal;
    const entry = { rejected, renewal: renew(rejected) };
    pending = entry;
    const release = () => {
      if (pending === entry) pending = null;
    };
    void entry.renewal.then(release, release);
    return entry.renewal;
  };
}

/**
 * Bearer mode: the pair lives in a `TokenStore`. Refreshes run under the store's lock and
 * re-read the pair first, so clients sharing a store (tabs on one `localStorage`) spend a
 * refresh token once between them.
 */
export function bearerCredentials(
  tokens: TokenStore,
  refresh: (refreshToken: string) => Promise<TokenPair>,
): Credentials {
  const renewUnderLock = (rejected: string | undefined) =>
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

  return {
    accessToken: () => tokens.get()?.accessToken,
    mayHaveSession: () => tokens.get() !== null,
    store(issued) {
      // Without a refresh token (a cookie-mode answer) there is no pair to keep.
      if (issued.refreshToken) tokens.set({ accessToken: issued.accessToken, refreshToken: issued.refreshToken });
    },
    clear: () => tokens.set(null),
    renew: shareRenewals(renewUnderLock),
    subscribe: (listener) => tokens.subscribe((pair) => listener(pair !== null)),
  };
}
