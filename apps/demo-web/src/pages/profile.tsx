import { changePasswordInput, type User } from '@keyway/client';
import { useCallback, useEffect, useState } from 'react';
import { Alert, Field, NewPasswordField, SubmitButton, useForm } from '../components.js';
import { messageOf } from '../lib/errors.js';
import { navigate } from '../lib/router.js';
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

function VerificationStatus({ user }: { user: User }) {
  const [state, setState] = useState<{ pending: boolean; sent?: boolean; error?: string }>({ pending: false });
  if (user.emailVerified) return <span className="badge badge-success">Verified</span>;

  const resend = async () => {
    setState({ pending: true });
    try {
      await kw.users.resendVerification.mutate();
      setState({ pending: false, sent: true });
    } catch (error) {
      setState({ pending: false, error: messageOf(error) });
    }
  };

  return (
    <>
      <span className="badge badge-warning">Not verified</span>
      <div className="stack">
        {state.sent ? (
          <Alert tone="success">We sent a new confirmation link to {user.email}.</Alert>
        ) : (
          <p className="muted">Confirm your email address with the link we sent you.</p>
        )}
        {state.error ? <Alert tone="error">{state.error}</Alert> : null}
        <button
          type="button"
          className="button secondary"
          disabled={state.pending}
          aria-busy={state.pending}
          onClick={() => void resend()}
        >
          Resend verification email
        </button>
      </div>
    </>
  );
}

function ChangePasswordForm() {
  const [changed, setChanged] = useState(false);
  const form = useForm({
    schema: changePasswordInput,
    fields: ['currentPassword', 'newPassword'],
    async submit(values) {
      setChanged(false);
      await kw.users.changePassword.mutate(values);
      setChanged(true);
      (document.getElementById('change-password') as HTMLFormElement | null)?.reset();
    },
  });

  return (
    <section className="card" aria-labelledby="change-password-title">
      <h2 id="change-password-title">Change password</h2>
      <form id="change-password" onSubmit={form.onSubmit} noValidate>
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          errors={form.errors}
        />
        <NewPasswordField label="New password" name="newPassword" errors={form.errors} />
        {changed ? (
          <Alert tone="success">Your password has been changed. Your other sessions were logged out.</Alert>
        ) : null}
        {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
        <SubmitButton pending={form.pending}>Change password</SubmitButton>
      </form>
    </section>
  );
}

function SessionActions() {
  const [state, setState] = useState<{ pending: boolean; error?: string }>({ pending: false });
  const run = async (action: () => Promise<unknown>, notice: string) => {
    setState({ pending: true });
    try {
      await action();
      navigate('/login', { replace: true, notice });
    } catch (error) {
      setState({ pending: false, error: messageOf(error) });
    }
  };

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p className="muted">Log out of this browser, or end every session of your account on all your devices.</p>
      {state.error ? <Alert tone="error">{state.error}</Alert> : null}
      <div className="actions">
        <button
          type="button"
          className="button secondary"
          disabled={state.pending}
          onClick={() => void run(() => kw.auth.logout.mutate({}), 'You are logged out.')}
        >
          Log out
        </button>
        <button
          type="button"
          className="button danger"
          disabled={state.pending}
          onClick={() => void run(() => kw.auth.logoutAll.mutate(), 'You are logged out on every device.')}
        >
          Log out everywhere
        </button>
      </div>
    </section>
  );
}

export function ProfilePage({ notice }: { notice?: string }) {
  const { user, error } = useCurrentUser();

  return (
    <div className="page-stack">
      <section className="card" aria-labelledby="account-title">
        <h1 id="account-title">Your account</h1>
        {notice ? <Alert tone="info">{notice}</Alert> : null}
        {user ? (
          <dl className="details">
            <div>
              <dt>Email</dt>
              <dd className="email">{user.email}</dd>
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
        ) : error ? (
          <Alert tone="error">{error}</Alert>
        ) : (
          <p className="muted" aria-busy="true">
            Loading your account…
          </p>
        )}
      </section>
      <ChangePasswordForm />
      <SessionActions />
    </div>
  );
}
