import { resetPasswordInput, sessionOf } from '@keyway/client';
import { useEffect, useState } from 'react';
import { Alert, Card, Link, NewPasswordField } from '../components.js';
import { FormFeedback, SubmitButton, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { kw } from '../session.js';

const requestLink = (
  <Link to="/forgot-password" className="button secondary">
    Request a new link
  </Link>
);

/**
 * Whether the link still works, asked once when the page opens (the API checks it without
 * spending it), so a used or expired link is said before anything is typed. `unknown` (the
 * check itself failed, e.g. offline) shows the form: setting the password says the rest.
 */
function useResetLinkState(token: string | null): 'checking' | 'valid' | 'spent' | 'unknown' {
  const [state, setState] = useState<'checking' | 'valid' | 'spent' | 'unknown'>('checking');
  useEffect(() => {
    if (!token) return;
    let current = true;
    kw.users.checkResetToken
      .mutate({ token })
      .then(({ valid }) => current && setState(valid ? 'valid' : 'spent'))
      .catch(() => current && setState('unknown'));
    return () => {
      current = false;
    };
  }, [token]);
  return state;
}

export function ResetPasswordPage({ token }: { token: string | null }) {
  const link = useResetLinkState(token);
  const form = useForm({
    schema: resetPasswordInput,
    fields: { newPassword: 'New password' },
    async submit(values) {
      await kw.users.resetPassword.mutate(values);
      // The reset ended every session of the account: if this browser was signed in to it,
      // asking the server now signs it out here (and in the other tabs) before the log-in page.
      if (sessionOf(kw).get().status !== 'signed-out') await sessionOf(kw).check({ force: true });
      navigate('/login', { replace: true, notice: 'Your password has been changed. Log in with your new password.' });
    },
  });

  const refusal = !token
    ? 'This link is incomplete. Open the link from the email again, or request a new one.'
    : link === 'spent'
      ? 'This link has already been used or has expired. Request a new one to set your password.'
      : null;
  if (refusal) {
    return (
      <Card title="Set a new password" footer={<Link to="/login">Back to log in</Link>}>
        <Alert tone="error">{refusal}</Alert>
        {requestLink}
      </Card>
    );
  }
  if (link === 'checking') {
    return (
      <Card title="Set a new password">
        <p className="muted" role="status">
          Checking your link…
        </p>
      </Card>
    );
  }

  return (
    <Card title="Set a new password" footer={<Link to="/login">Back to log in</Link>}>
      <p className="muted" id="reset-link-note">
        A reset link works once, for an hour after it was sent.
      </p>
      <form onSubmit={form.onSubmit} noValidate aria-describedby="reset-link-note">
        <input type="hidden" name="token" value={token ?? ''} />
        <NewPasswordField label="New password" name="newPassword" errors={form.errors} />
        <FormFeedback form={form}>{form.formError ? <p className="alert-action">{requestLink}</p> : null}</FormFeedback>
        <SubmitButton pending={form.pending}>Set new password</SubmitButton>
      </form>
    </Card>
  );
}
