import { requestPasswordResetInput } from '@keyway/client';
import { useState } from 'react';
import { Alert, Card, Email, Field, Link } from '../components.js';
import { FormFeedback, SubmitButton, useForm } from '../form.js';
import { kw } from '../session.js';

export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm({
    schema: requestPasswordResetInput,
    fields: { email: 'Email' },
    async submit(values) {
      await kw.users.requestPasswordReset.mutate(values);
      setSentTo(values.email);
    },
  });

  if (sentTo) {
    return (
      <Card title="Check your inbox" footer={<Link to="/login">Back to log in</Link>}>
        <Alert tone="success">
          If an account exists for{' '}
          <strong>
            <Email address={sentTo} />
          </strong>
          , we sent it a link to set a new password. The link works once and expires soon.
        </Alert>
        <p className="muted">
          No email after a few minutes? Check your spam folder, or{' '}
          <button type="button" className="link-button" onClick={() => setSentTo(null)}>
            send another link
          </button>
          .
        </p>
      </Card>
    );
  }

  return (
    <Card title="Forgot your password?" footer={<Link to="/login">Back to log in</Link>}>
      <p className="muted">Enter the email of your account and we will send you a link to set a new password.</p>
      <form onSubmit={form.onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="email" errors={form.errors} />
        <FormFeedback form={form} />
        <SubmitButton pending={form.pending}>Send reset link</SubmitButton>
      </form>
    </Card>
  );
}
