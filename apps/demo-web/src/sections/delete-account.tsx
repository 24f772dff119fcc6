/**
 * Deleting the account: behind a button, then the password and a box to tick, since it
 * cannot be undone. Afterwards the server refuses every token of the account, and the client
 * signs the app out (in every tab) as it does on log-out.
 */
import { deleteAccountInput } from '@keyway/client';
import { useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { CheckboxField, PasswordField } from '../components.js';
import { FormActions, StepForm, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { withTickedBox } from '../lib/schema.js';
import { kw } from '../session.js';

const deleteAccountForm = withTickedBox(
  deleteAccountInput,
  'confirm',
  'Tick the box to confirm you want to delete it.',
);

function DeleteAccountForm({ onCancel }: { onCancel(): void }) {
  const form = useForm({
    schema: deleteAccountForm,
    fields: { password: 'Password', confirm: 'Confirmation' },
    async submit(values) {
      await kw.users.deleteAccount.mutate(values);
      navigate('/login', { replace: true, notice: 'Your account has been deleted. Thank you for trying Keyway.' });
    },
  });
  return (
    <StepForm form={form}>
      <PasswordField errors={form.errors} />
      <CheckboxField
        label="I understand that my account and its data will be deleted for good."
        name="confirm"
        errors={form.errors}
      />
      <FormActions form={form} submit="Delete my account" tone="danger" onCancel={onCancel} />
    </StepForm>
  );
}

export function DeleteAccount() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const cancel = () => {
    // Render the button again first, so focus can return to it rather than drop to <body>.
    flushSync(() => setOpen(false));
    opener.current?.focus();
  };
  return (
    <section className="card" aria-labelledby="delete-account-title">
      <h2 id="delete-account-title">Delete account</h2>
      <p className="muted">
        Deleting your account signs you out everywhere and removes your data. Your email address can then be used for a
        new account. This cannot be undone.
      </p>
      {open ? (
        <DeleteAccountForm onCancel={cancel} />
      ) : (
        <button type="button" ref={opener} className="button danger" onClick={() => setOpen(true)}>
          Delete account
        </button>
      )}
    </section>
  );
}
