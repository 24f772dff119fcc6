/**
 * Two-factor authentication: whether it is on, and the steps to turn it on (password, then
 * the QR code and the key to type by hand, then a code from the app, then the recovery codes,
 * shown once) or off (password and a code). Each step that appears takes focus; back at the
 * start, focus goes to the section's heading.
 */
import { mfaDisableInput, mfaEnableInput, mfaSetupInput, sessionOf, type User } from '@keyway/client';
import { useMemo, useRef, useState } from 'react';
import { CodeField, PasswordField, useFocusOnMount } from '../components.js';
import { FormActions, StepForm, useForm } from '../form.js';
import { drawQrCode, groupSecret } from '../lib/two-factor.js';
import { useNotices } from '../notices.js';
import { kw } from '../session.js';

type Step =
  | { name: 'start' }
  | { name: 'password' }
  | { name: 'scan'; secret: string; otpauthUrl: string }
  | { name: 'recovery-codes'; codes: string[] }
  | { name: 'turn-off' };

/** The session's user says whether MFA is on: ask the server again after turning it on or off. */
const refreshUser = () => sessionOf(kw).check({ force: true });

function PasswordStep({ onSetUp, onCancel }: { onSetUp(step: Step): void; onCancel(): void }) {
  const form = useForm({
    schema: mfaSetupInput,
    fields: { password: 'Password' },
    async submit(values) {
      onSetUp({ name: 'scan', ...(await kw.mfa.setup.mutate(values)) });
    },
  });
  return (
    <StepForm form={form}>
      <PasswordField hint="To set up two-factor authentication, confirm it is you." errors={form.errors} />
      <FormActions form={form} submit="Continue" onCancel={onCancel} />
    </StepForm>
  );
}

function QrCode({ text }: { text: string }) {
  const { size, path } = useMemo(() => drawQrCode(text), [text]);
  return (
    <svg className="qr-code" viewBox={`0 0 ${size} ${size}`} role="img" aria-label="QR code for your authenticator app">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" shapeRendering="crispEdges" />
    </svg>
  );
}

function ScanStep({
  step,
  onEnabled,
  onCancel,
}: {
  step: Extract<Step, { name: 'scan' }>;
  onEnabled(codes: string[]): void;
  onCancel(): void;
}) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const form = useForm({
    schema: mfaEnableInput,
    fields: { code: 'Code from your app' },
    async submit(values) {
      const { recoveryCodes } = await kw.mfa.enable.mutate(values);
      await refreshUser();
      onEnabled(recoveryCodes);
    },
  });
  return (
    <>
      <h3 className="step-title" ref={heading} tabIndex={-1}>
        Scan this QR code with your authenticator app
      </h3>
      <QrCode text={step.otpauthUrl} />
      <p className="muted">Cannot scan it? Enter this key in the app instead:</p>
      <code className="secret">{groupSecret(step.secret)}</code>
      <form onSubmit={form.onSubmit} noValidate>
        <CodeField label="Code from your app" hint="The 6-digit code the app shows for Keyway." errors={form.errors} />
        <FormActions form={form} submit="Turn on" onCancel={onCancel} />
      </form>
    </>
  );
}

function RecoveryCodesStep({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <>
      <h3 className="step-title" ref={heading} tabIndex={-1}>
        Two-factor authentication is on. Save your recovery codes
      </h3>
      <p className="muted">
        If you lose your phone, each of these codes lets you log in once instead of a code from the app. Keep them
        somewhere safe: they are shown only now.
      </p>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <button type="button" className="button primary" onClick={onDone}>
        I have saved my recovery codes
      </button>
    </>
  );
}

function TurnOffStep({ onDone, onCancel }: { onDone(): void; onCancel(): void }) {
  const form = useForm({
    schema: mfaDisableInput,
    fields: { password: 'Password', code: 'Code from your app or a recovery code' },
    async submit(values) {
      await kw.mfa.disable.mutate(values);
      await refreshUser();
      onDone();
    },
  });
  return (
    <StepForm form={form}>
      <PasswordField errors={form.errors} />
      <CodeField label="Code from your app or a recovery code" errors={form.errors} />
      <FormActions form={form} submit="Turn off" tone="danger" onCancel={onCancel} />
    </StepForm>
  );
}

export function TwoFactor({ user }: { user: User | null }) {
  const [step, setStep] = useState<Step>({ name: 'start' });
  const heading = useRef<HTMLHeadingElement>(null);
  const notices = useNotices();
  const enabled = user?.mfaEnabled ?? false;

  const backToStart = (notice?: string) => {
    setStep({ name: 'start' });
    if (notice) notices.show({ tone: 'success', text: notice });
    heading.current?.focus();
  };

  return (
    <section className="card" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title" ref={heading} tabIndex={-1}>
        Two-factor authentication
      </h2>
      {step.name === 'start' ? (
        <div className="stack">
          <div>
            <span className={`badge ${enabled ? 'badge-success' : 'badge-warning'}`}>{enabled ? 'On' : 'Off'}</span>
          </div>
          <p className="muted">
            {enabled
              ? 'Logging in asks for a code from your authenticator app (or a recovery code) after your password.'
              : 'Protect your account with a code from an authenticator app, asked after your password.'}
          </p>
          <button
            type="button"
            className={`button ${enabled ? 'danger' : 'secondary'}`}
            onClick={() => {
              notices.clear();
              setStep(enabled ? { name: 'turn-off' } : { name: 'password' });
            }}
          >
            {enabled ? 'Turn off two-factor authentication' : 'Set up two-factor authentication'}
          </button>
        </div>
      ) : step.name === 'password' ? (
        <PasswordStep onSetUp={setStep} onCancel={() => backToStart()} />
      ) : step.name === 'scan' ? (
        <ScanStep
          step={step}
          onEnabled={(codes) => setStep({ name: 'recovery-codes', codes })}
          onCancel={() => backToStart()}
        />
      ) : step.name === 'recovery-codes' ? (
        <RecoveryCodesStep codes={step.codes} onDone={() => backToStart('Two-factor authentication is on.')} />
      ) : (
        <TurnOffStep onDone={() => backToStart('Two-factor authentication is off.')} onCancel={() => backToStart()} />
      )}
    </section>
  );
}
