import { loginInput } from '@keyway/client';
import { Card, Field, Link } from '../components.js';
import { FormFeedback, SubmitButton, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { NoticeSlot } from '../notices.js';
import { kw } from '../session.js';

export function LogInPage() {
  const form = useForm({
    schema: loginInput,
    fields: { email: 'Email', password: 'Password' },
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
      <NoticeSlot />
      <form onSubmit={form.onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="email" errors={form.errors} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" errors={form.errors} />
        <p className="aside">
          <Link to="/forgot-password">Forgot password?</Link>
        </p>
        <FormFeedback form={form} />
        <SubmitButton pending={form.pending}>Log in</SubmitButton>
      </form>
    </Card>
  );
}
