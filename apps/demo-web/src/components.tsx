/** The few building blocks every page uses: links, fields, alerts and cards (forms: ./form.tsx). */
import { type AnchorHTMLAttributes, Fragment, type ReactNode, useId } from 'react';
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
