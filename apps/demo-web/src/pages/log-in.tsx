/**
 * Log in, in one step or two: an account with two-factor authentication on answers the
 * password with a second step, which asks for a code from the authenticator app or a
 * recovery code. When that step has ended (it lasts a few minutes and a few wrong codes),
 * the page goes back to the first one, email kept, and says why.
 */
import { errorCodeOf, loginInput, verifyMfaInput } from '@keyway/client';
import { useState } from 'react';
import { Card, CodeField, Email, Field, Link, PasswordField } from '../components.js';
import { FormFeedback, StepForm, SubmitButton, useForm } from '../form.js';
import { navigate } from '../lib/router.js';
import { NoticeSlot, useNotices } from '../notices.js';
import { kw } from '../session.js';

type Step =
  | { name: 'password'; email?: string; returned?: boolean }
  | { name: 'code'; email: string; mfaToken: string };

function PasswordStep({
  step,
  onCodeRequired,
}: {
  step: Extract<Step, { name: 'password' }>;
  onCodeRequired(next: Step): void;
}) {
  const form = useForm({
    schema: loginInput,
    fields: { email: 'Email', password: 'Password' },
    async submit(values) {
      const answer = await kw.auth.login.mutate(values);
      if ('mfaRequired' in answer) {
        onCodeRequired({ name: 'code', email: values.email, mfaToken: answer.mfaToken });
        return;
      }
      navigate('/profile');
    },
  });

  // Sent back from the second step: focus goes to the password (the email is kept).
  return (
    <StepForm form={form} focusOnMount={step.returned}>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        defaultValue={step.email}
        errors={form.errors}
      />
      <PasswordField errors={form.errors} />
      <p className="aside">
        <Link to="/forgot-password">Forgot password?</Link>
      </p>
      <FormFeedback form={form} />
      <SubmitButton pending={form.pending}>Log in</SubmitButton>
    </StepForm>
  );
}

function CodeStep({ step, onEnded }: { step: Extract<Step, { name: 'code' }>; onEnded(): void }) {
  const notices = useNotices();
  const form = useForm({
    schema: verifyMfaInput,
    fields: { code: 'Authentication code' },
    async submit(values) {
      try {
        await kw.auth.verifyMfa.mutate(values);
      } catch (error) {
        // The second step itself is over (expired, or too many wrong codes): start again.
        if (errorCodeOf(error) !== 'UNAUTHORIZED') throw error;
        onEnded();
        notices.show({
          tone: 'info',
          text: 'Your log-in timed out or had too many wrong codes. Enter your password again.',
        });
        return;
      }
      navigate('/profile');
    },
  });

  return (
    <StepForm form={form}>
      <p className="muted">
        Two-factor authentication is on for{' '}
        <strong>
          <Email address={step.email} />
        </strong>
        .
      </p>
      <input type="hidden" name="mfaToken" value={step.mfaToken} />
      <CodeField
        label="Authentication code"
        hint="The 6-digit code from your authenticator app, or one of your recovery codes."
        errors={form.errors}
      />
      <FormFeedback form={form} />
      <SubmitButton pending={form.pending}>Verify</SubmitButton>
    </StepForm>
  );
}

export function LogInPage() {
  const [step, setStep] = useState<Step>({ name: 'password' });

  return (
    <Card
      title={step.name === 'code' ? 'Enter your code' : 'Log in'}
      footer={
        step.name === 'code' ? (
          <button
            type="button"
            className="link-button"
            onClick={() => setStep({ name: 'password', email: step.email, returned: true })}
          >
            Log in with another account
          </button>
        ) : (
          <>
            New here? <Link to="/signup">Create an account</Link>
          </>
        )
      }
    >
      <NoticeSlot />
      {step.name === 'code' ? (
        <CodeStep step={step} onEnded={() => setStep({ name: 'password', email: step.email, returned: true })} />
      ) : (
        <PasswordStep step={step} onCodeRequired={setStep} />
      )}
    </Card>
  );
}
