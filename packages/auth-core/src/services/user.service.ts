/**
 * Accounts: registration, the profile, password change, and the two emailed flows
 * (password reset, address verification).
 */
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { MailSender } from '../mail/mailer.js';
import { passwordResetEmail, verificationEmail } from '../mail/templates.js';
import { checkPasswordPolicy } from '../password-policy.js';
import type { PasswordHasher } from '../passwords.js';
import type { Repositories, UserRecord } from '../repositories/types.js';
import { generateSecretToken, hashSecretToken } from '../secrets.js';
import type { Principal } from './auth.service.js';

export interface UserServiceDependencies extends Repositories {
  passwords: PasswordHasher;
  clock: Clock;
  mail: MailSender;
  /** Runs a job after the answer, on repositories of its own. */
  background: (label: string, job: (repositories: Repositories) => Promise<void>) => void;
  config: { appUrl: string; resetTokenTtlSeconds: number; verifyTokenTtlSeconds: number };
}

function assertPasswordPolicy(field: string, password: string, email: string): void {
  const problems = checkPasswordPolicy(password, email);
  if (problems.length > 0) {
    throw new AuthError('WEAK_PASSWORD', { message: problems[0], fieldErrors: { [field]: problems } });
  }
}

export function createUserService(dependencies: UserServiceDependencies) {
  const { users, sessions, emailTokens, passwords, clock, mail, background, config } = dependencies;

  async function issueEmailToken(
    repositories: Repositories,
    userId: string,
    purpose: 'reset' | 'verify',
  ): Promise<string> {
    const token = generateSecretToken();
    const now = clock.now();
    const ttlSeconds = purpose === 'reset' ? config.resetTokenTtlSeconds : config.verifyTokenTtlSeconds;
    // Only the newest link of a kind works: an older email lying in an inbox is dead.
    await repositories.emailTokens.invalidateAll(userId, purpose, now);
    await repositories.emailTokens.create({
      tokenHash: hashSecretToken(token),
      userId,
      purpose,
      now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    });
    return token;
  }

  function sendVerification(user: UserRecord): void {
    background('verification email', async (repositories) => {
      const token = await issueEmailToken(repositories, user.id, 'verify');
      await mail.send(
        verificationEmail({ to: user.email, appUrl: config.appUrl, token, ttlSeconds: config.verifyTokenTtlSeconds }),
      );
    });
  }

  async function requireUser(userId: string): Promise<UserRecord> {
    const user = await users.findById(userId);
    if (!user) throw new AuthError('TOKEN_INVALID');
    return user;
  }

  return {
    async register(input: { email: string; password: string }): Promise<UserRecord> {
      assertPasswordPolicy('password', input.password, input.email);
      const passwordHash = await passwords.hash(input.password);
      const user = await users.create({ email: input.email, passwordHash, now: clock.now() });
      sendVerification(user);
      return user;
    },

    /** The user read by the authentication check of this very call: no second query. */
    me: async (principal: Principal): Promise<UserRecord> => principal.user,

    /** Requires the current password; ends every other session of the user. */
    async changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }): Promise<void> {
      const user = await requireUser(principal.userId);
      const storedHash = await users.findPasswordHash(user.id);
      if (!storedHash || !(await passwords.verify(input.currentPassword, storedHash))) {
        throw new AuthError('CURRENT_PASSWORD_INVALID', {
          fieldErrors: { currentPassword: ['Current password is incorrect'] },
        });
      }
      assertPasswordPolicy('newPassword', input.newPassword, user.email);
      const now = clock.now();
      await users.updatePasswordHash(user.id, await passwords.hash(input.newPassword), now);
      await sessions.revokeAllForUser(user.id, now, { exceptSessionId: principal.sessionId });
      await emailTokens.invalidateAll(user.id, 'reset', now);
    },

    /**
     * Answers the same whether or not the account exists: the only work on the request
     * path is one indexed lookup; the token and the mail are made in the background, and
     * nothing is sent to unknown addresses.
     */
    async requestPasswordReset(email: string): Promise<void> {
      const user = await users.findByEmail(email);
      if (!user) return;
      background('password reset email', async (repositories) => {
        const token = await issueEmailToken(repositories, user.id, 'reset');
        await mail.send(
          passwordResetEmail({ to: user.email, appUrl: config.appUrl, token, ttlSeconds: config.resetTokenTtlSeconds }),
        );
      });
    },

    /** Sets a new password from an emailed token; the token works once; every session ends. */
    async resetPassword(input: { token: string; newPassword: string }): Promise<void> {
      const tokenHash = hashSecretToken(input.token);
      const now = clock.now();
      const userId = await emailTokens.findValidUserId({ tokenHash, purpose: 'reset', now });
      const user = userId && (await users.findById(userId));
      if (!user) throw new AuthError('RESET_TOKEN_INVALID');
      // The policy is checked before the token is spent, so a refused password keeps the link usable.
      assertPasswordPolicy('newPassword', input.newPassword, user.email);
      const passwordHash = await passwords.hash(input.newPassword);
      if (!(await emailTokens.consume({ tokenHash, purpose: 'reset', now: clock.now() }))) {
        throw new AuthError('RESET_TOKEN_INVALID');
      }
      const updatedAt = clock.now();
      await users.updatePasswordHash(user.id, passwordHash, updatedAt);
      await sessions.revokeAllForUser(user.id, updatedAt);
    },

    async verifyEmail(token: string): Promise<UserRecord> {
      const tokenHash = hashSecretToken(token);
      const now = clock.now();
      const userId = await emailTokens.findValidUserId({ tokenHash, purpose: 'verify', now });
      if (!userId || !(await emailTokens.consume({ tokenHash, purpose: 'verify', now }))) {
        throw new AuthError('VERIFY_TOKEN_INVALID');
      }
      const user = await users.markEmailVerified(userId, now);
      if (!user) throw new AuthError('VERIFY_TOKEN_INVALID');
      return user;
    },

    /** Sends a fresh verification link (the older ones stop working); a no-op once verified. */
    async resendVerification(principal: Principal): Promise<void> {
      const user = await requireUser(principal.userId);
      if (!user.emailVerified) sendVerification(user);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
