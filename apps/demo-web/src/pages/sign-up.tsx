import { registerInput } from '@keyway/client';
import { Alert, Card, Field, Link, NewPasswordField, SubmitButton, useForm } from '../components.js';
import { navigate } from '../lib/router.js';
import { kw } from '../session.js';

export function SignUpPage() {
  const form = useForm({
    schema: registerInput,
    fields: ['email', 'password'],
    async submit(values) {
      await kw.users.register.mutate(values);
      try {
        await kw.auth.login.mutate(values);
      } catch {
        navigate('/login', { notice: 'Your account is ready. Log in to continue.' });
        return;
      }
      navigate('/profile', { notice: 'Welcome! Check your inbox for a link to confirm your email address.' });
    },
  });

  return (
    <Card
      title="Create your account"
      footer={
        <>
          Already have an account? <Link to="/login">Log in</Link>
        </>
      }
    >
      <form onSubmit={form.onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="email" errors={form.errors} />
        <NewPasswordField label="Password" name="password" errors={form.errors} />
        {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
        <SubmitButton pending={form.pending}>Sign up</SubmitButton>
      </form>
    </Card>
  );
}
