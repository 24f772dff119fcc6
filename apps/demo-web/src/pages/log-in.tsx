import { loginInput } from '@keyway/client';
import { Alert, Card, Field, Link, SubmitButton, useForm } from '../components.js';
import { navigate } from '../lib/router.js';
import { kw } from '../session.js';

export function LogInPage({ notice }: { notice?: string }) {
  const form = useForm({
    schema: loginInput,
    fields: ['email', 'password'],
    async submit(values) {
      await kw.auth.login.mutate(values);
      navigate('/profile');
    },
  });

  return (
    <Card
      title="Log in"
      footer={
        <>
          New here? <Link to="/signup">Create an account</Link>
        </>
      }
    >
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      <form onSubmit={form.onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="email" errors={form.errors} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" errors={form.errors} />
        <p className="aside">
          <Link to="/forgot-password">Forgot password?</Link>
        </p>
        {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
        <SubmitButton pending={form.pending}>Log in</SubmitButton>
      </form>
    </Card>
  );
}
