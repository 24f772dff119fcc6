/**
 * Turning the second factor (TOTP) on and off: `setup` makes a pending secret (shown once,
 * stored encrypted), `enable` proves the user's app has it with one code and hands out the
 * recovery codes, `disable` needs the password and a code. The login side lives in
 * auth.service.ts; the code checks both use are in mfa/second-factor.ts.
 */
import type { AccountBackoff } from '../account-backoff.js';
import type { Clock } from '../clock.js';
import type { DataCipher } from '../encryption.js';
import { AuthError } from '../errors.js';
import type { MailQueue } from '../mail/outbox.js';
import { mfaDisabledEmail, mfaEnabledEmail } from '../mail/security-mails.js';
import { type SecondFactor, totpSecretContext, wrongCodeError } from '../mfa/second-factor.js';
import {
  generateRecoveryCode,
  generateTotpSecret,
  hashRecoveryCode,
  matchTotpStep,
  normalizeCode,
  recoveryCodeCount,
  totpUrl,
} from '../mfa/totp.js';
import type { PasswordHasher } from '../passwords.js';
import type { MfaRepository, Repositories, UserRepository } from '../repositories/types.js';
import type { SecurityEventRecorder } from '../security-events.js';
import type { Principal } from './auth.service.js';
import { requirePassword } from './password-check.js';

/** The name authenticator apps show beside the account. */
const totpIssuer = 'Keyway';

export interface MfaServiceDependencies {
  users: UserRepository;
  mfa: MfaRepository;
  transaction: Repositories['transaction'];
  passwords: PasswordHasher;
  secondFactor: SecondFactor;
  cipher: DataCipher;
  clock: Clock;
  /** Wrong passwords and codes count toward the account's backoff, which refuses before checking. */
  backoff: AccountBackoff;
  events: SecurityEventRecorder;
  /** The notice to the account's address goes out with the change. */
  mail: MailQueue;
  config: { appUrl: string };
}

export function createMfaService(dependencies: MfaServiceDependencies) {
  const { users, mfa, transaction, passwords, secondFactor, cipher, clock, backoff, events, mail, config } =
    dependencies;

  const assertPassword = (user: { id: string; email: string }, password: string) =>
    requirePassword({ users, passwords, backoff }, user, password, 'password');

  return {
    /** A new pending secret (replacing a pending one); refused while MFA is on. */
    async setup(principal: Principal, input: { password: string }): Promise<{ secret: string; otpauthUrl: string }> {
      const { user } = principal;
      if (user.mfaEnabled) throw new AuthError('MFA_ALREADY_ENABLED');
      await assertPassword(user, input.password);
      const secret = generateTotpSecret();
      const stored = cipher.encrypt(secret, totpSecretContext(user.id));
      if (!(await mfa.setPendingSecret({ userId: user.id, secret: stored, now: clock.now() }))) {
        throw new AuthError('MFA_ALREADY_ENABLED');
      }
      return { secret, otpauthUrl: totpUrl({ secret, issuer: totpIssuer, account: user.email }) };
    },

    /** Turns the pending secret on when the code is right; returns the recovery codes, shown this once. */
    async enable(principal: Principal, input: { code: string }): Promise<{ recoveryCodes: string[] }> {
      const userId = principal.userId;
      const stored = await mfa.findSecret(userId);
      if (!stored) throw new AuthError('MFA_SETUP_REQUIRED');
      if (stored.enabled) throw new AuthError('MFA_ALREADY_ENABLED');
      const secret = secondFactor.decryptSecret(userId, stored.secret);
      const matched: { step: number | null } = { step: null };
      await backoff.guard(principal.user.email, async () => {
        matched.step = matchTotpStep(secret, normalizeCode(input.code), clock.now());
        return matched.step !== null;
      });
      const { step } = matched;
      if (step === null) throw wrongCodeError();
      const recoveryCodes = Array.from({ length: recoveryCodeCount }, generateRecoveryCode);
      const now = clock.now();
      await transaction(async (tx) => {
        // The secret that was checked, still pending: a setup in between makes this code stale.
        if (!(await tx.mfa.enable({ userId, ciphertext: stored.secret.ciphertext, step, now }))) {
          throw new AuthError('MFA_SETUP_REQUIRED');
        }
        await tx.mfa.replaceRecoveryCodes({ userId, codeHashes: recoveryCodes.map(hashRecoveryCode), now });
        await events.record(userId, 'mfa_enabled', tx);
        const message = mfaEnabledEmail({ to: principal.user.email, appUrl: config.appUrl, at: now });
        await mail.queue(tx, { kind: 'message', message });
      });
      return { recoveryCodes };
    },

    /** Needs the password and a code (TOTP or recovery); clears the secret, the recovery codes and pending logins. */
    async disable(principal: Principal, input: { password: string; code: string }): Promise<void> {
      const userId = principal.userId;
      if (!principal.user.mfaEnabled) throw new AuthError('MFA_NOT_ENABLED');
      await assertPassword(principal.user, input.password);
      if (!(await backoff.guard(principal.user.email, () => secondFactor.verifyCode(userId, input.code)))) {
        throw wrongCodeError();
      }
      const now = clock.now();
      await transaction(async (tx) => {
        if (!(await tx.mfa.disable({ userId, now }))) throw new AuthError('MFA_NOT_ENABLED');
        await events.record(userId, 'mfa_disabled', tx);
        const message = mfaDisabledEmail({ to: principal.user.email, appUrl: config.appUrl, at: now });
        await mail.queue(tx, { kind: 'message', message });
      });
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
