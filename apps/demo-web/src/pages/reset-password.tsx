import { resetPasswordInput, sessionOf } from '@keyway/client';
import { Alert, Card, Link, NewPasswordField } from '../components.js';
import { FormFeedback, SubmitButton, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { kw } from '../session.js';

const requestLink = (
  <Link to="/forgot-password" className="button secondary">
    Request a new link
  </Link>
);

export function ResetPasswordPage({ token }: { token: string | null }) {
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

  if (!token) {
    return (
      <Card title="Set a new password" footer={<Link to="/login">Back to log in</Link>}>
        <Alert tone="error">This link is incomplete. Open the link from the email again, or request a new one.</Alert>
        {requestLink}
      </Card>
    );
  }

  return (
    <Card title="Set a new password" footer={<Link to="/login">Back to log in</Link>}>
      {/* The API has no way to ask whether a reset link is still good without spending it, so
          the page says up front what can go wrong rather than letting the user find out after
          typing a new password. */}
      <p className="muted" id="reset-link-note">
        A reset link works once, for an hour after it was sent. If this one was already used or has expired, setting a
        password will fail: <Link to="/forgot-password">request a new link</Link> instead.
      </p>
      <form onSubmit={form.onSubmit} noValidate aria-describedby="reset-link-note">
        <input type="hidden" name="token" value={token} />
        <NewPasswordField label="New password" name="newPassword" errors={form.errors} />
        <FormFeedback form={form}>{form.formError ? <p className="alert-action">{requestLink}</p> : null}</FormFeedback>
        <SubmitButton pending={form.pending}>Set new password</SubmitButton>
      </form>
    </Card>
  );
}
