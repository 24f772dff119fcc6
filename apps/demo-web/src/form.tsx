/**
 * Forms: validate with the procedure's own input schema before sending, then show the API's
 * answer — field errors next to their fields, anything else above the button — and tell
 * keyboard and screen-reader users what happened:
 * - the submit button is never disabled (a disabled button drops focus to <body>); a second
 *   submit while one is pending is ignored instead;
 * - after a failed submit, focus moves to the first field in error, or to the form's error;
 * - the field errors are also put in a polite live region, so they are announced wherever focus is.
 */
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useFocusOnMount } from './components.js';
import { describeError, type FieldMessages, issuesToFieldMessages } from './lib/errors.js';
import type { Schema } from './lib/schema.js';
import { useNotices } from './notices.js';

interface FormErrors {
  fields: FieldMessages;
  form?: string;
  /** Counts failed submits, so the same errors twice still move focus and are announced again. */
  attempt: number;
}

export interface FormController {
  pending: boolean;
  errors: FieldMessages;
  formError: string | undefined;
  /** The field errors as one sentence, for the live region. */
  summary: string;
  onSubmit(event: FormEvent<HTMLFormElement>): void;
}

export function useForm<T>(options: {
  schema: Schema<T>;
  /**
   * The form's fields and their labels, in the order they appear: focus goes to the first one
   * in error, and the live region names them ("Email: Enter a valid email address").
   */
  fields: Record<string, string>;
  submit(values: T): Promise<unknown>;
  /** Empties the form once `submit` succeeds (what was typed, a password, is done with). */
  resetOnSuccess?: boolean;
  /** What the page says once `submit` succeeds, as a success notice. */
  success?(values: T): ReactNode;
}): FormController {
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<FormErrors>({ fields: {}, attempt: 0 });
  const formRef = useRef<HTMLFormElement | null>(null);
  const notices = useNotices();

  // Read in the effect below without re-running it: pages pass a new array on every render.
  const fields = useRef(Object.keys(options.fields));
  fields.current = Object.keys(options.fields);
  const focusedAttempt = useRef(0);

  useEffect(() => {
    const form = formRef.current;
    // Focus once per failed submit, not on every render.
    if (errors.attempt === focusedAttempt.current || !form) return;
    focusedAttempt.current = errors.attempt;
    const first = fields.current.find((field) => errors.fields[field]?.length);
    const target = first
      ? (form.elements.namedItem(first) as HTMLElement | null)
      : form.querySelector<HTMLElement>('[data-form-error]');
    target?.focus();
  }, [errors]);

  const fail = (next: Omit<FormErrors, 'attempt'>) =>
    setErrors((previous) => ({ ...next, attempt: previous.attempt + 1 }));

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    const form = event.currentTarget;
    formRef.current = form;
    // A new attempt: whatever the page said before no longer applies.
    notices.clear();
    const parsed = options.schema.safeParse(Object.fromEntries(new FormData(form)));
    if (!parsed.success) {
      fail({ fields: issuesToFieldMessages(parsed.error.issues) });
      return;
    }
    setErrors((previous) => ({ fields: {}, attempt: previous.attempt }));
    setPending(true);
    try {
      await options.submit(parsed.data);
      if (options.resetOnSuccess) form.reset();
      if (options.success) notices.show({ tone: 'success', text: options.success(parsed.data) });
    } catch (error) {
      fail(describeError(error, Object.keys(options.fields)));
    } finally {
      setPending(false);
    }
  };

  // The form's own error is an alert, announced by itself; the live region says the field errors.
  const summary = Object.entries(options.fields)
    .filter(([field]) => errors.fields[field]?.length)
    .map(([field, label]) => `${label}: ${errors.fields[field]?.join(' ')}`)
    .join(' ');

  return {
    pending,
    errors: errors.fields,
    formError: errors.form,
    summary,
    onSubmit: (event) => void onSubmit(event),
  };
}

/** The form's own error (focusable, so focus can go to it) and the live region of its errors. */
export function FormFeedback({ form, children }: { form: FormController; children?: ReactNode }) {
  return (
    <>
      {form.formError ? (
        <div className="alert alert-error" role="alert" tabIndex={-1} data-form-error>
          {form.formError}
          {children}
        </div>
      ) : null}
      <p className="visually-hidden" aria-live="polite">
        {form.summary}
      </p>
    </>
  );
}

export function SubmitButton({
  pending,
  tone = 'primary',
  children,
}: {
  pending: boolean;
  /** `danger` for a step that cannot be undone. */
  tone?: 'primary' | 'danger';
  children: ReactNode;
}) {
  return (
    <button type="submit" className={`button ${tone}`} aria-disabled={pending || undefined} aria-busy={pending}>
      {children}
    </button>
  );
}

/**
 * The end of a form: its feedback, the submit button and, for a step the user may back out
 * of, a Cancel button.
 */
export function FormActions({
  form,
  submit,
  tone,
  onCancel,
}: {
  form: FormController;
  submit: string;
  tone?: 'primary' | 'danger';
  onCancel?(): void;
}) {
  return (
    <>
      <FormFeedback form={form} />
      <div className="actions">
        <SubmitButton pending={form.pending} tone={tone}>
          {submit}
        </SubmitButton>
        {onCancel ? (
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </>
  );
}

/**
 * A form that appears because the user asked for it (the next step, a confirmation): on
 * mount, focus moves into it (useFocusOnMount), unless `focusOnMount` is false.
 */
export function StepForm({
  form,
  focusOnMount = true,
  children,
}: {
  form: FormController;
  focusOnMount?: boolean;
  children: ReactNode;
}) {
  const ref = useFocusOnMount<HTMLFormElement>(focusOnMount);
  return (
    <form ref={ref} onSubmit={form.onSubmit} noValidate>
      {children}
    </form>
  );
}
