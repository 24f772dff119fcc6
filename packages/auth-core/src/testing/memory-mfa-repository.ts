/**
 * The in-memory fake of the MFA repository, beside the other fakes in
 * memory-repositories.ts and with the same compare-and-set behaviour as the real one.
 */
import type { MfaRepository, UserRecord } from '../repositories/types.js';
import { purgeRows } from './memory-rows.js';

export interface MemoryMfaState {
  secret: { keyId: string; ciphertext: string } | null;
  enabledAt: Date | null;
  lastUsedStep: number | null;
}

export interface MemoryRecoveryCode {
  userId: string;
  usedAt: Date | null;
}

export interface MemoryMfaChallenge {
  userId: string;
  expiresAt: Date;
  attempts: number;
  usedAt: Date | null;
}

export function createMemoryMfaRepository(users: Map<string, UserRecord>) {
  const secrets = new Map<string, MemoryMfaState>();
  const recoveryCodes = new Map<string, MemoryRecoveryCode>();
  const challenges = new Map<string, MemoryMfaChallenge>();
  const setEnabled = (userId: string, enabled: boolean) => {
    const user = users.get(userId);
    if (user) user.mfaEnabled = enabled;
  };
  const live = (challenge: MemoryMfaChallenge | undefined, now: Date): challenge is MemoryMfaChallenge =>
    !!challenge && !challenge.usedAt && challenge.expiresAt > now;

  const mfa: MfaRepository = {
    async findSecret(userId) {
      const state = secrets.get(userId);
      return state?.secret
        ? { secret: { ...state.secret }, enabled: state.enabledAt !== null, lastUsedStep: state.lastUsedStep }
        : null;
    },
    async setPendingSecret({ userId, secret }) {
      if (secrets.get(userId)?.enabledAt) return false;
      secrets.set(userId, { secret: { ...secret }, enabledAt: null, lastUsedStep: null });
      return true;
    },
    async enable({ userId, ciphertext, step, now }) {
      const state = secrets.get(userId);
      if (!state || state.enabledAt || state.secret?.ciphertext !== ciphertext) return false;
      Object.assign(state, { enabledAt: now, lastUsedStep: step });
      setEnabled(userId, true);
      return true;
    },
    async replaceRecoveryCodes({ userId, codeHashes }) {
      for (const [hash, code] of recoveryCodes) if (code.userId === userId) recoveryCodes.delete(hash);
      for (const hash of codeHashes) recoveryCodes.set(hash, { userId, usedAt: null });
    },
    async useStep({ userId, step }) {
      const state = secrets.get(userId);
      if (!state?.enabledAt || (state.lastUsedStep !== null && state.lastUsedStep >= step)) return false;
      state.lastUsedStep = step;
      return true;
    },
    async useRecoveryCode({ userId, codeHash, now }) {
      const code = recoveryCodes.get(codeHash);
      if (!code || code.userId !== userId || code.usedAt) return false;
      code.usedAt = now;
      return true;
    },
    async disable({ userId }) {
      if (!secrets.get(userId)?.enabledAt) return false;
      secrets.delete(userId);
      setEnabled(userId, false);
      for (const [hash, code] of recoveryCodes) if (code.userId === userId) recoveryCodes.delete(hash);
      for (const [hash, challenge] of challenges) if (challenge.userId === userId) challenges.delete(hash);
      return true;
    },
    async createChallenge({ tokenHash, userId, expiresAt }) {
      challenges.set(tokenHash, { userId, expiresAt, attempts: 0, usedAt: null });
    },
    async findChallenge({ tokenHash, now, maxAttempts }) {
      const challenge = challenges.get(tokenHash);
      return live(challenge, now) && challenge.attempts < maxAttempts ? challenge.userId : null;
    },
    async deleteChallenges(userId) {
      for (const [hash, challenge] of challenges) if (challenge.userId === userId) challenges.delete(hash);
    },
    async attemptChallenge({ tokenHash, now, maxAttempts }) {
      const challenge = challenges.get(tokenHash);
      if (!live(challenge, now) || challenge.attempts >= maxAttempts) return null;
      challenge.attempts += 1;
      return challenge.userId;
    },
    async consumeChallenge({ tokenHash, now }) {
      const challenge = challenges.get(tokenHash);
      if (!live(challenge, now)) return false;
      challenge.usedAt = now;
      return true;
    },
    purgeExpiredChallenges: (now, limit) => purgeRows(challenges, (challenge) => challenge.expiresAt < now, limit),
  };

  return { mfa, tables: [secrets, recoveryCodes, challenges] as Map<string, unknown>[] };
}
