/**
 * The page an emailed link opens (confirm an email, confirm an email change): it spends the
 * link's token at once, then says what happened, or why the link did not work and what to do.
 */
import type { User } from '@keyway/client';
import { useSession } from '@keyway/client/react';
import { type ReactNode, useEffect, useState } from 'react';
import { Alert, Card, Link } from '../components.js';
import { messageOf } from '../lib/errors.js';

type State = { status: 'spending' } | { status: 'done'; user: User } | { status: 'failed'; message: string };

export function TokenLinkPage(props: {
  title: string;
  token: string | null;
  /** Spends the token; wrap it in `oncePerToken` so a re-render never spends it twice. */
  spend(token: string): Promise<User>;
  /** Shown while the token is being spent. */
  pending: string;
  done(user: User): ReactNode;
  /** What to do when the link did not work. */
  failureHint: string;
}) {
  const { token, spend } = props;
  const signedIn = useSession().status === 'signed-in';
  const [state, setState] = useState<State>(
    token ? { status: 'spending' } : { status: 'failed', message: 'This link is incomplete.' },
  );

  useEffect(() => {
    if (!token) return;
    let current = true;
    spend(token).then(
      (user) => current && setState({ status: 'done', user }),
      (error: unknown) => current && setState({ status: 'failed', message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [token, spend]);

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
    <Card title={props.title}>
      {state.status === 'spending' ? (
        <p className="muted" aria-busy="true">
          {props.pending}
        </p>
      ) : state.status === 'done' ? (
        <>
          <Alert tone="success">{props.done(state.user)}</Alert>
          {next}
        </>
      ) : (
        <>
          <Alert tone="error">{state.message}</Alert>
          <p className="muted">{props.failureHint}</p>
          {next}
        </>
      )}
    </Card>
  );
}
