/**
 * The one Keyway client of the app, in cookie mode: the refresh token lives in an HttpOnly
 * cookie the page's scripts cannot read, the access token only in memory. A reload stays
 * signed in through the cookie, and every tab shares the session. `useSession()` (from
 * `@keyway/client/react`, under the provider in main.tsx) says who is signed in.
 */
import { createKeywayClient } from '@keyway/client';

export const kw = createKeywayClient({ url: window.location.origin, session: 'cookie' });
