import { registerInput } from '@keyway/client';
import { Card, Field, Link, NewPasswordField } from '../components.js';
import { FormFeedback, SubmitButton, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { kw } from '../session.js';

export function SignUpPage() {
  const form = useForm({
    schema: registerInput,
    fields: { email: 'Email', password: 'Password' },
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
        <FormFeedback form={form} />
        <SubmitButton pending={form.pending}>Sign up</SubmitButton>
      </form>
    </Card>
  );
}
