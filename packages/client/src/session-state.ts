/**
 * Who is signed in, as a UI renders it: `{ status, user }`, kept current from the answers the
 * client sees (a login, `users.me`, a logout, a refused refresh) and from sign-ins and
 * sign-outs in other tabs. `sessionOf(client)` gives it to any framework; the React bindings
 * (`@keyway/client/react`) read it with `useSyncExternalStore`.
 */
import type { User } from './types.js';

export type SessionStatus = 'loading' | 'signed-in' | 'signed-out';

export interface SessionState {
  /** `loading` until the server has said whether the session is live. */
  status: SessionStatus;
  /** The signed-in user (as `users.me` returns it), null otherwise. */
  user: User | null;
}

export interface KeywaySession {
  /** The current state; the same object until it changes (so it can be a React snapshot). */
  get(): SessionState;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /**
   * Asks the server who is signed in (`users.me`) when that is not known yet, or always with
   * `{ force: true }` (e.g. when the tab comes back into view: the session may have been
   * revoked from another device meanwhile). A network failure leaves the state as it was.
   */
  check(options?: { force?: boolean }): Promise<void>;
}

export interface SessionStateOptions {
  initial: 'loading' | 'signed-out';
  /** Asks the server for the signed-in user; its answer reaches the state through the session link. */
  me: () => Promise<unknown>;
}

/** The session state of one client, and the hooks its session link reports to. */
export function createSessionState(options: SessionStateOptions) {
  let state: SessionState = { status: options.initial, user: null };
  const listeners = new Set<() => void>();
  let checking: Promise<void> | null = null;

  const set = (next: SessionState) => {
    const unchanged =
      next.status === state.status && JSON.stringify(next.user ?? null) === JSON.stringify(state.user ?? null);
    if (unchanged) return;
    state = next;
    for (const listener of listeners) listener();
  };

  const check = (checkOptions: { force?: boolean } = {}): Promise<void> => {
    if (checking) return checking;
    if (!checkOptions.force && state.status !== 'loading') return Promise.resolve();
    // The answer (or the refused refresh) updates the state through the link; errors are the
    // link's to report, so a failed check leaves the state as it was.
    const run = options.me().then(
      () => undefined,
      () => undefined,
    );
    checking = run.finally(() => {
      checking = null;
    });
    return checking;
  };

  const session: KeywaySession = {
    get: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    check,
  };

  return {
    session,
    signedIn(user: User) {
      set({ status: 'signed-in', user });
    },
    signedOut() {
      set({ status: 'signed-out', user: null });
    },
    /** A session appeared elsewhere (another tab signed in): ask the server whose it is. */
    maybeSignedIn() {
      if (state.status !== 'signed-out') return;
      set({ status: 'loading', user: null });
      void check();
    },
  };
}

export type SessionStateControl = ReturnType<typeof createSessionState>;

/** The `user` of an answer (`auth.login`, `users.me`, `users.verifyEmail`, ...), if it has one. */
export function userOf(data: unknown): User | null {
  if (typeof data !== 'object' || data === null || !('user' in data)) return null;
  const user = data.user;
  return typeof user === 'object' && user !== null && 'id' in user && typeof user.id === 'string'
    ? (user as User)
    : null;
}
