/**
 * Checking a second factor, shared by `mfa.disable` and the second step of a login: a TOTP
 * code (each time step accepted once, by compare-and-set) or an unused recovery code (spent
 * by compare-and-set). Also the login challenge, the `mfaToken` a right password earns: a
 * random token of which only the hash is stored, good for a few minutes, one success and a
 * bounded number of codes.
 */
import type { Clock } from '../clock.js';
import type { DataCipher } from '../encryption.js';
import { AuthError } from '../errors.js';
import type { MfaRepository } from '../repositories/types.js';
import { generateSecretToken, hashSecretToken } from '../secrets.js';
import { hashRecoveryCode, looksLikeTotp, matchTotpStep, normalizeCode } from './totp.js';

/** How long an `mfaToken` lasts. */
export const mfaChallengeTtlSeconds = 5 * 60;
/** Codes checked against one `mfaToken` before it is dead. */
export const mfaChallengeMaxAttempts = 5;

/** The associated data a user's TOTP secret is encrypted with: a secret copied to another user does not decrypt. */
export const totpSecretContext = (userId: string): string => `totp-secret:${userId}`;

const recoveryCodeShape = /^[a-z2-7]{16}$/;

/** A wrong, malformed or already used code: a field error on `code`. */
export const wrongCodeError = (): AuthError =>
  new AuthError('MFA_CODE_INVALID', { fieldErrors: { code: ['Invalid or already used code'] } });

export interface SecondFactorDependencies {
  mfa: MfaRepository;
  cipher: DataCipher;
  clock: Clock;
}

export function createSecondFactor({ mfa, cipher, clock }: SecondFactorDependencies) {
  /** The plaintext secret of a stored one; a secret that does not decrypt is the operator's problem, not the user's. */
  function decryptSecret(userId: string, secret: Parameters<DataCipher['decrypt']>[0]): string {
    const plaintext = cipher.decrypt(secret, totpSecretContext(userId));
    if (plaintext === null) {
      throw new Error(`The TOTP secret of user ${userId} does not decrypt: was DATA_ENCRYPTION_KEY changed?`);
    }
    return plaintext;
  }

  /** Checks a code of a user with MFA on and spends it (its time step, or the recovery code); true when right. */
  async function verifyCode(userId: string, rawCode: string): Promise<boolean> {
    const code = normalizeCode(rawCode);
    if (looksLikeTotp(code)) {
      const stored = await mfa.findSecret(userId);
      if (!stored?.enabled) return false;
      const step = matchTotpStep(decryptSecret(userId, stored.secret), code, clock.now());
      if (step === null || (stored.lastUsedStep !== null && step <= stored.lastUsedStep)) return false;
      return mfa.useStep({ userId, step });
    }
    if (!recoveryCodeShape.test(code)) return false;
    return mfa.useRecoveryCode({ userId, codeHash: hashRecoveryCode(code), now: clock.now() });
  }

  return {
    decryptSecret,
    verifyCode,

    /** A new `mfaToken` for the user, the second step of their login. */
    async startChallenge(userId: string): Promise<string> {
      const token = generateSecretToken();
      const now = clock.now();
      await mfa.createChallenge({
        tokenHash: hashSecretToken(token),
        userId,
        now,
        expiresAt: new Date(now.getTime() + mfaChallengeTtlSeconds * 1000),
      });
      return token;
    },

    /**
     * Whose live `mfaToken` this is, without counting an attempt (so a call refused by the
     * account's backoff spends none); MFA_TOKEN_INVALID when it is unknown, used, expired or
     * out of attempts.
     */
    async findChallenge(mfaToken: string): Promise<{ userId: string; tokenHash: string }> {
      const tokenHash = hashSecretToken(mfaToken);
      const userId = await mfa.findChallenge({ tokenHash, now: clock.now(), maxAttempts: mfaChallengeMaxAttempts });
      if (!userId) throw new AuthError('MFA_TOKEN_INVALID');
      return { userId, tokenHash };
    },

    /** Counts one code against the challenge (compare-and-set); MFA_TOKEN_INVALID when it has none left. */
    async attemptChallenge(tokenHash: string): Promise<void> {
      const userId = await mfa.attemptChallenge({
        tokenHash,
        now: clock.now(),
        maxAttempts: mfaChallengeMaxAttempts,
      });
      if (!userId) throw new AuthError('MFA_TOKEN_INVALID');
    },

    /** Spends the `mfaToken` after a right code; MFA_TOKEN_INVALID when another call did first. */
    async completeChallenge(tokenHash: string): Promise<void> {
      if (!(await mfa.consumeChallenge({ tokenHash, now: clock.now() }))) throw new AuthError('MFA_TOKEN_INVALID');
    },
  };
}

export type SecondFactor = ReturnType<typeof createSecondFactor>;
