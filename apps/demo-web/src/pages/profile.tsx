/**
 * The account page: a stack of sections, each a small component of its own in ../sections/.
 * A new account feature (a second factor, an email change, deleting the account) is a new
 * section file and one line in the list below.
 */
import type { User } from '@keyway/client';
import { useCallback, useEffect, useState } from 'react';
import { Alert } from '../components.js';
import { messageOf } from '../lib/errors.js';
import { AccountDetails } from '../sections/account-details.js';
import { ChangePassword } from '../sections/change-password.js';
import { SessionActions } from '../sections/session-actions.js';
import { kw } from '../session.js';

function useCurrentUser() {
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setUser((await kw.users.me.query()).user);
      setError(null);
    } catch (caught) {
      // An ended session clears the tokens and the app goes to the log-in page by itself.
      setError(messageOf(caught));
    }
  }, []);

  useEffect(() => {
    void load();
    // Pick up what happened elsewhere (an email confirmed in another tab) when the user comes back.
    const onVisible = () => {
      if (document.visibilityState === 'visible') void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [load]);

  return { user, error };
}

export function ProfilePage() {
  const { user, error } = useCurrentUser();
  return (
    <div className="page-stack">
      <AccountDetails user={user} />
      {error ? <Alert tone="error">{error}</Alert> : null}
      <ChangePassword />
      <SessionActions />
    </div>
  );
}
