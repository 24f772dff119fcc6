/**
 * Changing the account's email: the new address and the password; the server mails a link to
 * the new address, and the account keeps its address until that link is opened
 * (../pages/confirm-email-change.tsx).
 */
import { requestEmailChangeInput, type User } from '@keyway/client';
import { Email, Field, PasswordField } from '../components.js';
import { FormActions, useForm } from '../form.js';
import { kw } from '../session.js';

export function ChangeEmail({ user }: { user: User | null }) {
  const form = useForm({
    schema: requestEmailChangeInput,
    fields: { newEmail: 'New email', password: 'Password' },
    submit: (values) => kw.users.requestEmailChange.mutate(values),
    resetOnSuccess: true,
    success: (values) => (
      <>
        We sent a link to <Email address={values.newEmail} />. Open it to make it your email address
        {user ? (
          <>
            ; until then it stays <Email address={user.email} />
          </>
        ) : null}
        .
      </>
    ),
  });

  return (
    <section className="card" aria-labelledby="change-email-title">
      <h2 id="change-email-title">Change email</h2>
      <form id="change-email" onSubmit={form.onSubmit} noValidate>
        <Field
          label="New email"
          name="newEmail"
          type="email"
          autoComplete="email"
          hint="We will send a link to this address to confirm it is yours."
          errors={form.errors}
        />
        <PasswordField errors={form.errors} />
        <FormActions form={form} submit="Change email" />
      </form>
    </section>
  );
}
