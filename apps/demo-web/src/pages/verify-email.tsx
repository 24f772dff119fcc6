import type { User } from '@keyway/client';
import { useSession } from '@keyway/client/react';
import { useEffect, useState } from 'react';
import { Alert, Card, Email, Link } from '../components.js';
import { messageOf } from '../lib/errors.js';
import { kw } from '../session.js';

// A token works once: remember each attempt so a re-render (or React's StrictMode) never spends it twice.
const attempts = new Map<string, Promise<User>>();

function verifyOnce(token: string): Promise<User> {
  let attempt = attempts.get(token);
  if (!attempt) {
    attempt = kw.users.verifyEmail.mutate({ token }).then((result) => result.user);
    attempts.set(token, attempt);
  }
  return attempt;
}

type State = { status: 'verifying' } | { status: 'verified'; user: User } | { status: 'failed'; message: string };

export function VerifyEmailPage({ token }: { token: string | null }) {
  const signedIn = useSession().status === 'signed-in';
  const [state, setState] = useState<State>(
    token ? { status: 'verifying' } : { status: 'failed', message: 'This link is incomplete.' },
  );

  useEffect(() => {
    if (!token) return;
    let current = true;
    verifyOnce(token).then(
      (user) => current && setState({ status: 'verified', user }),
      (error: unknown) => current && setState({ status: 'failed', message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [token]);

  const next = signedIn ? (
    <Link to="/profile" className="button primary">
      Go to your account
    </Link>
  ) : (
    <Link to="/login" className="button primary">
      Log in
    </Link>
  );

  return (
    <Card title="Confirm your email">
      {state.status === 'verifying' ? (
        <p className="muted" aria-busy="true">
          Confirming your email address…
        </p>
      ) : state.status === 'verified' ? (
        <>
          <Alert tone="success">
            Thanks!{' '}
            <strong>
              <Email address={state.user.email} />
            </strong>{' '}
            is confirmed.
          </Alert>
          {next}
        </>
      ) : (
        <>
          <Alert tone="error">{state.message}</Alert>
          <p className="muted">
            Confirmation links work once and expire after a day. You can send a new one from your account page.
          </p>
          {next}
        </>
      )}
    </Card>
  );
}
