import { changePasswordInput } from '@keyway/client';
import { NewPasswordField, PasswordField } from '../components.js';
import { FormActions, useForm } from '../form.js';
import { kw } from '../session.js';

export function ChangePassword() {
  const form = useForm({
    schema: changePasswordInput,
    fields: { currentPassword: 'Current password', newPassword: 'New password' },
    submit: (values) => kw.users.changePassword.mutate(values),
    resetOnSuccess: true,
    success: () => 'Your password has been changed. Your other sessions were logged out.',
  });

  return (
    <section className="card" aria-labelledby="change-password-title">
      <h2 id="change-password-title">Change password</h2>
      <form id="change-password" onSubmit={form.onSubmit} noValidate>
        <PasswordField label="Current password" name="currentPassword" errors={form.errors} />
        <NewPasswordField label="New password" name="newPassword" errors={form.errors} />
        <FormActions form={form} submit="Change password" />
      </form>
    </section>
  );
}
