/** Emailed single-use tokens: minted when their mail is made, stored only as hashes. */
import type { Clock } from '../clock.js';
import type { EmailTokenPurpose, Repositories } from '../repositories/types.js';
import { generateSecretToken, hashSecretToken } from '../secrets.js';

export interface EmailTokenConfig {
  resetTokenTtlSeconds: number;
  verifyTokenTtlSeconds: number;
}

/** A reset link lives `RESET_TOKEN_TTL`; links that confirm an address (verification, email change) `VERIFY_TOKEN_TTL`. */
export const emailTokenTtlSeconds = (config: EmailTokenConfig, purpose: EmailTokenPurpose): number =>
  purpose === 'reset' ? config.resetTokenTtlSeconds : config.verifyTokenTtlSeconds;

/**
 * A fresh token of that purpose for the user; only the newest link of a kind works, so an
 * older email lying in an inbox is dead. The writes are one transaction. An email-change
 * link is minted only for the user's pending request (`changeRequestId`), checked and held
 * by the transaction's first statement, so a stale request's message mints nothing (null)
 * and two mints for one user never both stay live.
 */
export function issueEmailToken(
  repositories: Repositories,
  input: {
    userId: string;
    purpose: EmailTokenPurpose;
    clock: Clock;
    config: EmailTokenConfig;
    newEmail?: string;
    changeRequestId?: string;
  },
): Promise<string | null> {
  const { userId, purpose, clock, config, newEmail, changeRequestId } = input;
  return repositories.transaction(async (tx) => {
    if (changeRequestId !== undefined && !(await tx.users.holdEmailChangeRequest(userId, changeRequestId))) {
      return null;
    }
    const token = generateSecretToken();
    const now = clock.now();
    await tx.emailTokens.invalidateAll(userId, purpose, now);
    await tx.emailTokens.create({
      tokenHash: hashSecretToken(token),
      userId,
      purpose,
      newEmail,
      changeRequestId,
      now,
      expiresAt: new Date(now.getTime() + emailTokenTtlSeconds(config, purpose) * 1000),
    });
    return token;
  });
}
