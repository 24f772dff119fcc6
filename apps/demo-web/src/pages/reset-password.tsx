import { resetPasswordInput } from '@keyway/client';
import { Alert, Card, Link, NewPasswordField, SubmitButton, useForm } from '../components.js';
import { navigate } from '../lib/router.js';
import { kw, tokens } from '../session.js';

export function ResetPasswordPage({ token }: { token: string | null }) {
  const form = useForm({
    schema: resetPasswordInput,
    fields: ['newPassword'],
    async submit(values) {
      await kw.users.resetPassword.mutate(values);
      // The reset ended every session of the account, this browser's included.
      tokens.set(null);
      navigate('/login', { replace: true, notice: 'Your password has been changed. Log in with your new password.' });
    },
  });

  if (!token) {
    return (
      <Card title="Set a new password" footer={<Link to="/login">Back to log in</Link>}>
        <Alert tone="error">This link is incomplete. Open the link from the email again, or request a new one.</Alert>
        <Link to="/forgot-password" className="button secondary">
          Request a new link
        </Link>
      </Card>
    );
  }

  return (
    <Card
      title="Set a new password"
      footer={
        <>
          Link expired? <Link to="/forgot-password">Request a new link</Link>
        </>
      }
    >
      <form onSubmit={form.onSubmit} noValidate>
        <input type="hidden" name="token" value={token} />
        <NewPasswordField label="New password" name="newPassword" errors={form.errors} />
        {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
        <SubmitButton pending={form.pending}>Set new password</SubmitButton>
      </form>
    </Card>
  );
}
