/** The account card: email, whether it is confirmed (with a resend button), member since. */
import type { User } from '@keyway/client';
import { useState } from 'react';
import { Alert, Email } from '../components.js';
import { messageOf } from '../lib/errors.js';
import { NoticeSlot, useNotices } from '../notices.js';
import { kw } from '../session.js';

function VerificationStatus({ user }: { user: User }) {
  const [state, setState] = useState<{ pending: boolean; error?: string }>({ pending: false });
  const notices = useNotices();
  if (user.emailVerified) return <span className="badge badge-success">Verified</span>;

  const resend = async () => {
    if (state.pending) return;
    setState({ pending: true });
    notices.clear();
    try {
      await kw.users.resendVerification.mutate();
      setState({ pending: false });
      notices.show({
        tone: 'success',
        text: (
          <>
            We sent a new confirmation link to <Email address={user.email} />.
          </>
        ),
      });
    } catch (error) {
      setState({ pending: false, error: messageOf(error) });
    }
  };

  return (
    <>
      <span className="badge badge-warning">Not verified</span>
      <div className="stack">
        <p className="muted">Confirm your email address with the link we sent you.</p>
        {state.error ? <Alert tone="error">{state.error}</Alert> : null}
        <button
          type="button"
          className="button secondary"
          aria-disabled={state.pending || undefined}
          aria-busy={state.pending}
          onClick={() => void resend()}
        >
          Resend verification email
        </button>
      </div>
    </>
  );
}

export function AccountDetails({ user }: { user: User | null }) {
  return (
    <section className="card" aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <NoticeSlot />
      {user ? (
        <dl className="details">
          <div>
            <dt>Email</dt>
            <dd className="email">
              <Email address={user.email} />
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <VerificationStatus user={user} />
            </dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{new Date(user.createdAt).toLocaleDateString(undefined, { dateStyle: 'long' })}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted" aria-busy="true">
          Loading your account…
        </p>
      )}
    </section>
  );
}
