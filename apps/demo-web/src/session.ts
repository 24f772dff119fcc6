/**
 * The one Keyway client of the app. Its tokens live in localStorage, so a reload keeps the
 * user signed in and every tab shares one session (and one refresh).
 */
import { createKeywayClient, localStorageTokens } from '@keyway/client';
import { useSyncExternalStore } from 'react';

export const tokens = localStorageTokens();
export const kw = createKeywayClient({ url: window.location.origin, tokens });

const isSignedIn = () => tokens.get() !== null;

/** Re-renders when the user signs in or out, in this tab or another one. */
export function useSignedIn(): boolean {
  return useSyncExternalStore(tokens.subscribe, isSignedIn);
}
