/**
 * React bindings: `<KeywayProvider client={kw}>` near the root, then `useSession()` anywhere
 * below for `{ status, user }` and `useKeywayClient()` for the client. The session state is
 * the client's own (`sessionOf`), so it follows sign-ins and sign-outs in other tabs too.
 */
import { createContext, createElement, type ReactNode, useContext, useEffect, useSyncExternalStore } from 'react';
import { type KeywayClient, sessionOf } from './client.js';
import type { SessionState } from './session-state.js';

const ClientContext = createContext<KeywayClient | null>(null);

/** The part of `document` the provider uses (the client is typed without the DOM library). */
interface DocumentLike {
  visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface KeywayProviderProps {
  client: KeywayClient;
  children?: ReactNode;
}

/**
 * Makes `client` available to `useSession()` and `useKeywayClient()`. It asks the server once
 * who is signed in, and again whenever the page comes back into view, so a session revoked
 * from another device shows as signed out when the user returns to the tab.
 */
export function KeywayProvider({ client, children }: KeywayProviderProps): ReactNode {
  useEffect(() => {
    const session = sessionOf(client);
    void session.check();
    const doc = (globalThis as { document?: DocumentLike }).document;
    if (!doc) return;
    const recheck = () => {
      if (doc.visibilityState === 'visible' && session.get().status === 'signed-in') {
        void session.check({ force: true });
      }
    };
    doc.addEventListener('visibilitychange', recheck);
    return () => doc.removeEventListener('visibilitychange', recheck);
  }, [client]);
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The client given to the nearest `<KeywayProvider>`. */
export function useKeywayClient(): KeywayClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useKeywayClient() and useSession() need a <KeywayProvider client={...}> above them');
  return client;
}

/** `{ status: 'loading' | 'signed-in' | 'signed-out', user }`, re-rendering on every change. */
export function useSession(): SessionState {
  const session = sessionOf(useKeywayClient());
  return useSyncExternalStore(session.subscribe, session.get, session.get);
}
