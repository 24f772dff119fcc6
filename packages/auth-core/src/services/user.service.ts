/**
 * Accounts: registration, the profile, password change, deletion, and the emailed flows
 * (password reset, address verification, email change). Mail is queued in the outbox with
 * the change that causes it; the mail worker mints the emailed tokens when it sends.
 */

import { randomUUID } from 'node:crypto';
import type { AccountBackoff } from '../account-backoff.js';
import type { Clock } from '../clock.js';
import { AuthError, isAuthError } from '../errors.js';
import type { MailThrottle } from '../mail/mail-throttle.js';
import type { MailQueue } from '../mail/outbox.js';
import { emailChangedEmail, passwordChangedEmail } from '../mail/security-mails.js';
import { accountExistsEmail } from '../mail/templates.js';
import { checkPasswordPolicy } from '../password-policy.js';
import type { PasswordHasher } from '../passwords.js';
import type { Repositories, UserRecord } from '../repositories/types.js';
import { hashSecretToken } from '../secrets.js';
import type { SecurityEventRecorder } from '../security-events.js';
import type { Principal } from './auth.service.js';
import { requirePassword as checkPassword } from './password-check.js';

export interface UserServiceDependencies extends Repositories {
  passwords: PasswordHasher;
  clock: Clock;
  mail: MailQueue;
  backoff: AccountBackoff;
  mailThrottle: MailThrottle;
  config: {
    appUrl: string;
    /** A taken email registers "successfully" (and its owner is told) instead of CONFLICT. */
    registerEnumerationSafe: boolean;
  };
  events: SecurityEventRecorder;
}

function assertPasswordPolicy(field: string, password: string, email: string): void {
  const problems = checkPasswordPolicy(password, email);
  if (problems.length > 0) {
    throw new AuthError('WEAK_PASSWORD', { message: problems[0], fieldErrors: { [field]: problems } });
  }
}

export function createUserService(dependencies: UserServiceDependencies) {
  const { users, emailTokens, transaction, passwords, clock, mail, backoff, mailThrottle, config, events } =
    dependencies;

  async function requireUser(userId: string): Promise<UserRecord> {
    const user = await users.findById(userId);
    if (!user) throw new AuthError('TOKEN_INVALID');
    return user;
  }

  const requirePassword = (user: UserRecord, password: string, field: string) =>
    checkPassword({ users, passwords, backoff }, user, password, field);

  /**
   * What a new password (changed or reset) ends besides sessions, in its transaction: a
   * pending email change (its links and its queued mail, however long that has been retried;
   * asked for perhaps by whoever had the old password), and login challenges the old password
   * earned.
   */
  async function endPendingChange(tx: Repositories, userId: string, now: Date): Promise<void> {
    await tx.users.setEmailChangeRequest(userId, null, now);
    await tx.emailTokens.invalidateAll(userId, 'email-change', now);
    await tx.mfa.deleteChallenges(userId);
  }

  /**
   * What registering a taken email answers when registration must not reveal it: the same
   * shape as a new account (a fresh id no row will ever have), after the same bcrypt; the
   * owner of the address is told instead of the caller (within the address's mail limit, so
   * registering someone's address in a loop cannot flood them).
   */
  async function answerTakenEmail(email: string): Promise<UserRecord> {
    if (await mailThrottle.allow(email)) {
      await mail.queue(dependencies, {
        kind: 'message',
        message: accountExistsEmail({ to: email, appUrl: config.appUrl }),
      });
    }
    const now = clock.now();
    return { id: randomUUID(), email, emailVerified: false, mfaEnabled: false, createdAt: now, updatedAt: now };
  }

  return {
    async register(input: { email: string; password: string }): Promise<UserRecord> {
      assertPasswordPolicy('password', input.password, input.email);
      const passwordHash = await passwords.hash(input.password);
      try {
        return await transaction(async (tx) => {
          const user = await tx.users.create({ email: input.email, passwordHash, now: clock.now() });
          await mail.queue(tx, { kind: 'verify-email', to: user.email, userId: user.id });
          return user;
        });
      } catch (error) {
        if (config.registerEnumerationSafe && isAuthError(error) && error.code === 'EMAIL_TAKEN') {
          return answerTakenEmail(input.email);
        }
        throw error;
      }
    },

    /**
     * Deletes the account once its password is given (under the backoff). The database
     * cascades to its sessions, emailed tokens and every other row of it, so each of its
     * tokens is refused at once (the authenticated read finds no session), and the address
     * is free to register again — as a new user with a new id. Its security events go too;
     * what stays is an anonymous `account_deleted` (a time, nothing of the account).
     */
    async deleteAccount(principal: Principal, input: { password: string }): Promise<void> {
      const user = await requireUser(principal.userId);
      await requirePassword(user, input.password, 'password');
      await transaction(async (tx) => {
        if (!(await tx.users.delete(user.id))) throw new AuthError('TOKEN_INVALID');
        await events.recordAnonymous('account_deleted', tx);
      });
    },

    /** Requires the current password; ends every other session of the user and a pending email change. */
    async changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }): Promise<void> {
      const user = await requireUser(principal.userId);
      await requirePassword(user, input.currentPassword, 'currentPassword');
      assertPasswordPolicy('newPassword', input.newPassword, user.email);
      const passwordHash = await passwords.hash(input.newPassword);
      const now = clock.now();
      await transaction(async (tx) => {
        await tx.users.updatePasswordHash(user.id, passwordHash, now);
        await tx.sessions.revokeAllForUser(user.id, now, { exceptSessionId: principal.sessionId });
        await tx.emailTokens.invalidateAll(user.id, 'reset', now);
        await endPendingChange(tx, user.id, now);
        await events.record(user.id, 'password_changed', tx);
        await mail.queue(tx, {
          kind: 'message',
          message: passwordChangedEmail({ to: user.email, appUrl: config.appUrl, at: now, how: 'changed' }),
        });
      });
    },

    /** The caller's latest security events, newest first. */
    securityEvents: (principal: Principal, limit: number) =>
      dependencies.securityEvents.listForUser(principal.userId, limit),

    /**
     * Answers the same whether or not the account exists: the request path does one insert
     * either way (no lookup); the mail worker decides, and sends nothing to an unknown address.
     */
    async requestPasswordReset(email: string): Promise<void> {
      // Over the address's mail limit the row is still written, marked to be dropped: the
      // answer and its timing stay the same.
      const throttled = !(await mailThrottle.allow(email));
      await mail.queue(dependencies, { kind: 'password-reset', to: email, throttled });
    },

    /**
     * Whether a reset link still works (unused, unexpired, its account still there), without
     * spending it: the reset page asks before the user types a new password.
     */
    async checkResetToken(token: string): Promise<boolean> {
      const tokenHash = hashSecretToken(token);
      const found = await emailTokens.findValid({ tokenHash, purpose: 'reset', now: clock.now() });
      return found !== null && (await users.findById(found.userId)) !== null;
    },

    /**
     * Sets a new password from an emailed token; the token works once; every session and a
     * pending email change end. A disabled account is refused (its token stays unspent).
     */
    async resetPassword(input: { token: string; newPassword: string }): Promise<void> {
      const tokenHash = hashSecretToken(input.token);
      const now = clock.now();
      const found = await emailTokens.findValid({ tokenHash, purpose: 'reset', now });
      const account = found && (await users.findAccount({ id: found.userId }));
      if (!account) throw new AuthError('RESET_TOKEN_INVALID');
      if (account.disabled) throw new AuthError('ACCOUNT_DISABLED');
      const { user } = account;
      // The policy is checked before the token is spent, so a refused password keeps the link usable.
      assertPasswordPolicy('newPassword', input.newPassword, user.email);
      const passwordHash = await passwords.hash(input.newPassword);
      if (!(await emailTokens.consume({ tokenHash, purpose: 'reset', now: clock.now() }))) {
        throw new AuthError('RESET_TOKEN_INVALID');
      }
      const updatedAt = clock.now();
      await transaction(async (tx) => {
        await tx.users.updatePasswordHash(user.id, passwordHash, updatedAt);
        await tx.sessions.revokeAllForUser(user.id, updatedAt);
        await endPendingChange(tx, user.id, updatedAt);
        await events.record(user.id, 'password_reset', tx);
        await mail.queue(tx, {
          kind: 'message',
          message: passwordChangedEmail({ to: user.email, appUrl: config.appUrl, at: updatedAt, how: 'reset' }),
        });
      });
      // Whoever holds the mailbox may sign in again at once.
      await backoff.clear(user.email);
    },

    async verifyEmail(token: string): Promise<UserRecord> {
      const tokenHash = hashSecretToken(token);
      const now = clock.now();
      const userId = (await emailTokens.findValid({ tokenHash, purpose: 'verify', now }))?.userId;
      if (!userId || !(await emailTokens.consume({ tokenHash, purpose: 'verify', now }))) {
        throw new AuthError('VERIFY_TOKEN_INVALID');
      }
      const user = await users.markEmailVerified(userId, now);
      if (!user) throw new AuthError('VERIFY_TOKEN_INVALID');
      await events.record(user.id, 'email_verified');
      return user;
    },

    /**
     * Mails a confirmation link to `newEmail` (password first, under the backoff); the
     * account keeps its address until the link is followed. The answer is the same whatever
     * happens next, so it says nothing about the new address: over a mail limit (the new
     * address's, or this account's own count of change requests), nothing is queued; when
     * another account has it, the mail worker sends nothing (see outbox.ts). Each request
     * becomes the account's one pending change, ending earlier ones (their links and their
     * queued mail); the caller's own address only ends it.
     */
    async requestEmailChange(principal: Principal, input: { newEmail: string; password: string }): Promise<void> {
      const user = await requireUser(principal.userId);
      await requirePassword(user, input.password, 'password');
      const requestId = input.newEmail === user.email ? null : randomUUID();
      const allowed =
        requestId !== null &&
        (await mailThrottle.allow(user.id, 'change-account')) &&
        (await mailThrottle.allow(input.newEmail, 'change-address'));
      await transaction(async (tx) => {
        const now = clock.now();
        await tx.users.setEmailChangeRequest(user.id, requestId, now);
        await tx.emailTokens.invalidateAll(user.id, 'email-change', now);
        if (allowed) await mail.queue(tx, { kind: 'email-change', to: input.newEmail, userId: user.id, requestId });
      });
    },

    /**
     * Moves the account to the address the token was sent to, verified, when the token's
     * request is still the account's pending change: the token is spent and the address set
     * (each a compare-and-set) in one transaction, with the event and the notice to the old
     * address; an address taken meanwhile is EMAIL_TAKEN and spends nothing. Links sent to
     * the old address (verification, reset) stop working. Sessions stay: the owner proved both
     * the password and the new mailbox. A disabled account is refused.
     */
    async confirmEmailChange(token: string): Promise<UserRecord> {
      const tokenHash = hashSecretToken(token);
      const invalid = () => new AuthError('EMAIL_CHANGE_TOKEN_INVALID');
      // The reads come before the transaction (a token's user, address and request never
      // change; the account's address is checked again by the compare-and-set), so the
      // transaction begins with a write: on SQLite a transaction that reads first cannot take
      // the write lock once another connection has written, and fails at once (no busy wait).
      const found = await emailTokens.findValid({ tokenHash, purpose: 'email-change', now: clock.now() });
      const account = found && (await users.findAccount({ id: found.userId }));
      const { newEmail, changeRequestId: requestId } = found ?? {};
      if (!account || !newEmail || !requestId) throw invalid();
      if (account.disabled) throw new AuthError('ACCOUNT_DISABLED');
      const before = account.user;
      return transaction(async (tx) => {
        const now = clock.now();
        if (!(await tx.emailTokens.consume({ tokenHash, purpose: 'email-change', now }))) throw invalid();
        const change = { id: before.id, from: before.email, to: newEmail, requestId, now };
        const user = await tx.users.changeEmail(change).catch((error: unknown) => {
          if (!isAuthError(error) || error.code !== 'EMAIL_TAKEN') throw error;
          const message = 'This address now belongs to another account';
          throw new AuthError('EMAIL_TAKEN', { message, fieldErrors: { email: [message] } });
        });
        if (!user) throw invalid();
        await tx.emailTokens.invalidateAll(user.id, 'verify', now);
        await tx.emailTokens.invalidateAll(user.id, 'reset', now);
        await events.record(user.id, 'email_changed', tx);
        await mail.queue(tx, {
          kind: 'message',
          message: emailChangedEmail({ to: before.email, newEmail: user.email, appUrl: config.appUrl, at: now }),
        });
        return user;
      });
    },

    /** Sends a fresh verification link (the older ones stop working); a no-op once verified. */
    async resendVerification(principal: Principal): Promise<void> {
      const user = await requireUser(principal.userId);
      if (user.emailVerified || !(await mailThrottle.allow(user.email))) return;
      await mail.queue(dependencies, { kind: 'verify-email', to: user.email, userId: user.id });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
