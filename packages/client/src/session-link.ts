/**
 * The tRPC link that looks after the session: it attaches the access token to every call but
 * the sessionless ones, keeps the tokens a login or refresh returns, forgets them when the
 * session ends, and on UNAUTHORIZED renews the access token once and retries the call. It
 * reports what it sees to the session state, which is what a UI renders.
 */
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { type Credentials, issuedTokensOf } from './credentials.js';
import { errorCodeOf } from './errors.js';
import { type SessionStateControl, userOf } from './session-state.js';
import type { AppRouter } from './types.js';

/** Calls that never carry the access token: for them UNAUTHORIZED is the answer, not an expired session. */
const sessionlessPaths = new Set(['auth.login', 'auth.refresh', 'auth.verifyMfa']);
/** Calls whose answer may carry tokens: a new session's (a login), or a renewed one's. */
const tokenPaths = new Set(['auth.login', 'auth.verifyMfa', 'auth.refresh']);
/** Calls after whose success the session is over. */
const sessionEndingPaths = new Set(['auth.logout', 'auth.logoutAll', 'users.deleteAccount']);

function toClientError(error: unknown): TRPCClientError<AppRouter> {
  return TRPCClientError.from<AppRouter>(error instanceof Error ? error : new Error(String(error)));
}

export function sessionLink(credentials: Credentials, state: SessionStateControl): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const sessionless = sessionlessPaths.has(op.path);
        let subscription: Unsubscribable | undefined;
        let closed = false;

        const onAnswer = (data: unknown, accessToken: string | undefined) => {
          if (tokenPaths.has(op.path)) {
            const issued = issuedTokensOf(data);
            const user = userOf(data);
            if (!issued) return; // e.g. a second factor is still required
            // The user first, so the state does not go through "loading" for a session it knows.
            if (user) state.signedIn(user);
            credentials.store(issued, { started: op.path !== 'auth.refresh' });
          } else if (sessionEndingPaths.has(op.path)) {
            credentials.clear();
            state.signedOut();
          } else if (accessToken) {
            // users.me, users.verifyEmail, users.confirmEmailChange, ...: the signed-in user as
            // the server has it now. The emailed links answer the user of their token, who may
            // be another account than the one signed in here: only `users.me` names it.
            const user = userOf(data);
            if (user && (op.path === 'users.me' || state.session.get().user?.id === user.id)) state.signedIn(user);
          }
        };

        const attempt = (isRetry: boolean) => {
          const accessToken = sessionless ? undefined : credentials.accessToken();
          subscription = next({ ...op, context: { ...op.context, accessToken } }).subscribe({
            next(envelope) {
              if ('data' in envelope.result) onAnswer(envelope.result.data, accessToken);
              observer.next(envelope);
            },
            error(error) {
              const unauthorized = errorCodeOf(error) === 'UNAUTHORIZED' && !sessionless;
              if (unauthorized && !isRetry && credentials.mayHaveSession()) {
                renewThen(accessToken, error);
                return;
              }
              if (unauthorized && !credentials.mayHaveSession()) state.signedOut();
              observer.error(error);
            },
            complete() {
              observer.complete();
            },
          });
        };

        /** Renews the access token, then retries the call; `error` is what the call fails with if the session is over. */
        const renewThen = (rejected: string | undefined, error: unknown) => {
          credentials.renew(rejected).then(
            (renewed) => {
              if (closed) return;
              if (renewed) {
                attempt(true);
                return;
              }
              state.signedOut();
              observer.error(toClientError(error));
            },
            (refreshError: unknown) => {
              if (!closed) observer.error(toClientError(refreshError));
            },
          );
        };

        // No access token but maybe a session (cookie mode after a reload): get one first
        // rather than make a call the server will refuse.
        if (!sessionless && !credentials.accessToken() && credentials.mayHaveSession()) {
          credentials.renew(undefined).then(
            (renewed) => {
              // No session after all: the call goes without a token (it may be a public one).
              if (!renewed) state.signedOut();
              if (!closed) attempt(false);
            },
            (refreshError: unknown) => {
              if (!closed) observer.error(toClientError(refreshError));
            },
          );
        } else {
          attempt(false);
        }
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      });
}
