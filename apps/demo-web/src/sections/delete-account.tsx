/**
 * Deleting the account: behind a button, then the password and a box to tick, since it
 * cannot be undone. Afterwards the server refuses every token of the account; the session
 * check finds that out, so the app is signed out before it shows the log-in page.
 */
import { mfaSetupInput, sessionOf } from '@keyway/client';
import { useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { CheckboxField, PasswordField, useFocusOnMount } from '../components.js';
import { FormActions, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { withTickedBox } from '../lib/schema.js';
import { kw } from '../session.js';

/**
 * `users.deleteAccount` takes `{ password }`, checked like `mfa.setup`'s: `@keyway/client`
 * exports no schema of its own for it, so the form uses that one (the server checks again).
 */
const deleteAccountForm = withTickedBox(mfaSetupInput, 'confirm', 'Tick the box to confirm you want to delete it.');

function DeleteAccountForm({ onCancel }: { onCancel(): void }) {
  const ref = useFocusOnMount<HTMLFormElement>();
  const form = useForm({
    schema: deleteAccountForm,
    fields: { password: 'Password', confirm: 'Confirmation' },
    async submit(values) {
      await kw.users.deleteAccount.mutate(values);
      // The server now refuses this session: the check signs the app out.
      await sessionOf(kw).check({ force: true });
      navigate('/login', { replace: true, notice: 'Your account has been deleted. Thank you for trying Keyway.' });
    },
  });
  return (
    <form ref={ref} onSubmit={form.onSubmit} noValidate>
      <PasswordField errors={form.errors} />
      <CheckboxField
        label="I understand that my account and its data will be deleted for good."
        name="confirm"
        errors={form.errors}
      />
      <FormActions form={form} submit="Delete my account" tone="danger" onCancel={onCancel} />
    </form>
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
