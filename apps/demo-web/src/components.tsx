/** The few building blocks every page uses: links, fields, alerts and cards (forms: ./form.tsx). */
import { type AnchorHTMLAttributes, Fragment, type ReactNode, type RefObject, useEffect, useId, useRef } from 'react';
import type { FieldMessages } from './lib/errors.js';
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

/** The error (or else the hint) under a field, and the id that points the field at it. */
function useFieldNote(name: string, errors: FieldMessages, hint: string | undefined) {
  const id = useId();
  const messages = errors[name];
  const invalid = Boolean(messages?.length);
  const note = invalid ? messages?.join(' ') : hint;
  const noteId = `${id}-note`;
  return {
    id,
    invalid,
    describedBy: note ? noteId : undefined,
    element: note ? (
      <p id={noteId} className={invalid ? 'field-error' : 'hint'}>
        {note}
      </p>
    ) : null,
  };
}

export function Field(props: {
  label: string;
  name: string;
  type?: 'email' | 'password' | 'text';
  autoComplete?: string;
  hint?: string;
  defaultValue?: string;
  errors: FieldMessages;
}) {
  const note = useFieldNote(props.name, props.errors, props.hint);
  return (
    <div className="field">
      <label htmlFor={note.id}>{props.label}</label>
      <input
        id={note.id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        defaultValue={props.defaultValue}
        aria-invalid={note.invalid || undefined}
        aria-describedby={note.describedBy}
        spellCheck={false}
        autoCapitalize="off"
      />
      {note.element}
    </div>
  );
}

/** A box to tick, e.g. to confirm a step that cannot be undone; its error is tied to it like a field's. */
export function CheckboxField(props: { label: string; name: string; errors: FieldMessages }) {
  const note = useFieldNote(props.name, props.errors, undefined);
  return (
    <div className="field checkbox-field">
      <input
        id={note.id}
        name={props.name}
        type="checkbox"
        aria-invalid={note.invalid || undefined}
        aria-describedby={note.describedBy}
      />
      <label htmlFor={note.id}>{props.label}</label>
      {note.element}
    </div>
  );
}

/** A field for the password the user has now (to log in, or to confirm a sensitive step). */
export function PasswordField(props: { label?: string; name?: string; hint?: string; errors: FieldMessages }) {
  return (
    <Field
      {...props}
      label={props.label ?? 'Password'}
      name={props.name ?? 'password'}
      type="password"
      autoComplete="current-password"
    />
  );
}

/** A field for a one-time code: from an authenticator app, or a recovery code. */
export function CodeField(props: { label: string; hint?: string; errors: FieldMessages }) {
  return <Field {...props} name="code" autoComplete="one-time-code" />;
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

/**
 * For a part of the page that appears because the user asked for it (the next step of a
 * form): on mount, focus moves to its first empty field, or to the element itself (give a
 * heading `tabIndex={-1}`), so keyboard and screen-reader users are not left on a button
 * that is gone.
 */
export function useFocusOnMount<T extends HTMLElement>(enabled = true): RefObject<T | null> {
  const ref = useRef<T>(null);
  const focusOnMount = useRef(enabled);
  useEffect(() => {
    const element = ref.current;
    if (!focusOnMount.current || !element) return;
    const fields = [...element.querySelectorAll<HTMLInputElement>('input:not([type="hidden"])')];
    (fields.find((field) => !field.value) ?? fields[0] ?? element).focus();
  }, []);
  return ref;
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

/**
 * An email address that wraps at its natural break points (after "@" and "-", before "."),
 * so a long one on a phone breaks between its parts rather than mid-word (the stylesheet's
 * overflow-wrap still catches a single part too long for the line).
 */
export function Email({ address }: { address: string }) {
  const parts = address.split(/(?<=[@-])|(?=\.)/);
  return (
    <>
      {parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, never reordered
        <Fragment key={index}>
          {index > 0 ? <wbr /> : null}
          {part}
        </Fragment>
      ))}
    </>
  );
}
