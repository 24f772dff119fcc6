/**
 * The one Keyway client of the app. Its tokens live in localStorage, so a reload keeps the
 * user signed in and every tab shares one session. `useSession()` (from
 * `@keyway/client/react`, under the provider in main.tsx) says who is signed in.
 */
import { createKeywayClient, localStorageTokens } from '@keyway/client';

export const kw = createKeywayClient({ url: window.location.origin, tokens: localStorageTokens() });
