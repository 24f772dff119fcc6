/** The few building blocks every page uses: links, fields, alerts, and a form hook. */
import { type AnchorHTMLAttributes, type FormEvent, type ReactNode, useId, useState } from 'react';
import { describeError, type FieldMessages, issuesToFieldMessages } from './lib/errors.js';
import { isPlainClick, navigate } from './lib/router.js';

export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      {...props}
      href={to}
      onClick={(event) => {
        props.onClick?.(event);
        if (!isPlainClick(event)) return;
        event.preventDefault();
        navigate(to);
      }}
    />
  );
}

export function Field(props: {
  label: string;
  name: string;
  type?: 'email' | 'password' | 'text';
  autoComplete?: string;
  hint?: string;
  errors: FieldMessages;
}) {
  const id = useId();
  const messages = props.errors[props.name];
  const invalid = Boolean(messages?.length);
  const noteId = `${id}-note`;
  const note = invalid ? messages?.join(' ') : props.hint;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        aria-invalid={invalid || undefined}
        aria-describedby={note ? noteId : undefined}
        spellCheck={false}
        autoCapitalize="off"
      />
      {note ? (
        <p id={noteId} className={invalid ? 'field-error' : 'hint'}>
          {note}
        </p>
      ) : null}
    </div>
  );
}

/** A field for a password being chosen: the browser may suggest one, and the policy is shown. */
export function NewPasswordField(props: { label: string; name: string; errors: FieldMessages }) {
  return (
    <Field
      {...props}
      type="password"
      autoComplete="new-password"
      hint="At least 8 characters. Avoid common passwords."
    />
  );
}

export function Alert({ tone, children }: { tone: 'error' | 'success' | 'info'; children: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function SubmitButton({ pending, children }: { pending: boolean; children: ReactNode }) {
  return (
    <button type="submit" className="button primary" disabled={pending} aria-busy={pending}>
      {children}
    </button>
  );
}

export function Card({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <section className="card">
      <h1>{title}</h1>
      {children}
      {footer ? <div className="card-footer">{footer}</div> : null}
    </section>
  );
}

/** What `schema.safeParse` of the server's own zod schemas returns (no zod import needed here). */
interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> } };
}

/**
 * Validates a form with the procedure's input schema before sending, then shows the API's
 * answer: field errors next to their fields, anything else above the button.
 */
export function useForm<T>(options: {
  schema: Schema<T>;
  fields: readonly string[];
  submit(values: T): Promise<void>;
}) {
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<{ fields: FieldMessages; form?: string }>({ fields: {} });

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    const form = event.currentTarget;
    const parsed = options.schema.safeParse(Object.fromEntries(new FormData(form)));
    if (!parsed.success) {
      const fields = issuesToFieldMessages(parsed.error.issues);
      setErrors({ fields });
      const first = options.fields.find((field) => fields[field]);
      if (first) (form.elements.namedItem(first) as HTMLInputElement | null)?.focus();
      return;
    }
    setErrors({ fields: {} });
    setPending(true);
    try {
      await options.submit(parsed.data);
    } catch (error) {
      setErrors(describeError(error, options.fields));
    } finally {
      setPending(false);
    }
  };

  return { pending, errors: errors.fields, formError: errors.form, onSubmit };
}
