/**
 * Login sessions: sign-in, rotation of refresh tokens with reuse detection, sign-out, and
 * introspection for other services (the check itself is `authenticate.ts`, which the core
 * also runs for every authenticated call).
 */
import { randomUUID } from 'node:crypto';
import type { AccountBackoff } from '../account-backoff.js';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { MailQueue } from '../mail/outbox.js';
import { sessionEndedForReuseEmail } from '../mail/security-mails.js';
import { type SecondFactor, wrongCodeError } from '../mfa/second-factor.js';
import type { PasswordHasher } from '../passwords.js';
import type {
  DenylistRepository,
  Repositories,
  SessionRecord,
  SessionRepository,
  UserRecord,
  UserRepository,
} from '../repositories/types.js';
import type { SecurityEventRecorder } from '../security-events.js';
import type { TokenSigner } from '../tokens.js';
import type { Authenticate, Principal } from './authenticate.js';

export type { Principal } from './authenticate.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Lifetime of the access token, in seconds. */
  expiresIn: number;
}

export interface LoginResult extends TokenPair {
  user: UserRecord;
}

/** What `introspect` tells another service about an access token. */
export type Introspection = { active: false } | { active: true; sub: string; sid: string; exp: number };

/** The answer to a right password of an account with MFA on: no tokens yet, a second step to take. */
export interface MfaRequiredResult {
  mfaRequired: true;
  /** Good for one `verifyMfa`, a few minutes and a few codes; never an access or refresh token. */
  mfaToken: string;
}

/** Where a sign-in comes from, recorded on its session. */
export interface ClientInfo {
  userAgent?: string | null;
  ip?: string | null;
}

export interface AuthServiceDependencies {
  users: UserRepository;
  sessions: SessionRepository;
  denylist: DenylistRepository;
  passwords: PasswordHasher;
  tokens: TokenSigner;
  /**
   * The token check (`authenticate.ts`): the core's own, so introspection and `authenticate`
   * answer exactly as every authenticated call is checked.
   */
  authenticate: Authenticate;
  /** Called only by the two login steps, so no other call builds it. */
  secondFactor: () => SecondFactor;
  clock: Clock;
  config: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    refreshReuseGraceSeconds: number;
    appUrl: string;
  };
  backoff: AccountBackoff;
  events: SecurityEventRecorder;
  /** For the one write that must be whole: ending a session whose spent refresh token came back. */
  transaction: Repositories['transaction'];
  mail: MailQueue;
}

export function createAuthService({
  users,
  sessions,
  denylist,
  passwords,
  tokens,
  authenticate,
  secondFactor,
  clock,
  config,
  backoff,
  events,
  transaction,
  mail,
}: AuthServiceDependencies) {
  /**
   * A pair for the session; both tokens die with it at the latest (the access token's own
   * lifetime is cut short when the session ends sooner), so no token outlives its login.
   */
  function issuePair(userId: string, sessionId: string, refreshJti: string, sessionExpiresAt: Date): TokenPair {
    const now = clock.now().getTime();
    const accessExpiresAt = new Date(Math.min(now + config.accessTokenTtlSeconds * 1000, sessionExpiresAt.getTime()));
    const access = tokens.sign('access', { userId, sessionId, expiresAt: accessExpiresAt });
    const refresh = tokens.sign('refresh', { userId, sessionId, jti: refreshJti, expiresAt: sessionExpiresAt });
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresIn: Math.max(0, Math.floor(access.expiresAt.getTime() / 1000) - Math.floor(now / 1000)),
    };
  }

  /** The token the latest rotation replaced, presented within the grace after it (0 turns it off). */
  function withinGrace(session: SessionRecord, presentedJti: string, now: Date): boolean {
    const graceMs = config.refreshReuseGraceSeconds * 1000;
    return (
      graceMs > 0 &&
      session.previousRefreshJti === presentedJti &&
      session.rotatedAt !== null &&
      now.getTime() - session.rotatedAt.getTime() <= graceMs
    );
  }

  /** A new login session for the user, and its first token pair. */
  async function startSession(user: UserRecord, client: ClientInfo): Promise<LoginResult> {
    const now = clock.now();
    const sessionId = randomUUID();
    const refreshJti = randomUUID();
    const expiresAt = new Date(now.getTime() + config.refreshTokenTtlSeconds * 1000);
    await sessions.create({
      id: sessionId,
      userId: user.id,
      refreshJti,
      now,
      expiresAt,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
    });
    await events.record(user.id, 'login');
    return { ...issuePair(user.id, sessionId, refreshJti, expiresAt), user };
  }

  return {
    /**
     * Checks the password. With MFA on, a right password earns only an `mfaToken` for
     * `verifyMfa`: no session exists until the second factor is proved.
     */
    async login(input: { email: string; password: string } & ClientInfo): Promise<LoginResult | MfaRequiredResult> {
      // One read either way, and unknown accounts cost one bcrypt too, so timing does not
      // tell them apart; both are behind the account's backoff, checked first.
      const found: { credentials?: Awaited<ReturnType<typeof users.findCredentials>> } = {};
      const valid = await backoff.guard(input.email, async () => {
        found.credentials = await users.findCredentials(input.email);
        return found.credentials
          ? passwords.verify(input.password, found.credentials.passwordHash)
          : passwords.verifyDummy(input.password);
      });
      const { credentials } = found;
      if (credentials && !valid) await events.record(credentials.user.id, 'login_failed');
      if (!credentials || !valid) throw new AuthError('INVALID_CREDENTIALS');
      // Said only to whoever knows the password, so it tells an attacker nothing new.
      if (credentials.disabled) throw new AuthError('ACCOUNT_DISABLED');
      const { user, passwordHash: storedHash } = credentials;

      if (passwords.needsRehash(storedHash)) {
        await users.updatePasswordHash(user.id, await passwords.hash(input.password), clock.now());
      }
      // A right password that still needs its second factor is no sign-in: the backoff stays,
      // so a stolen password cannot be used to reset the count of wrong codes.
      if (user.mfaEnabled) return { mfaRequired: true, mfaToken: await secondFactor().startChallenge(user.id) };
      await backoff.clear(input.email);
      return startSession(user, input);
    },

    /**
     * The second step of a login with MFA on: the `mfaToken` and a TOTP or recovery code.
     * Every code checked counts against the token; a right code spends it and starts the
     * session; a wrong one is a `login_failed` event.
     */
    async verifyMfa(input: { mfaToken: string; code: string } & ClientInfo): Promise<LoginResult> {
      const factor = secondFactor();
      const { userId, tokenHash } = await factor.findChallenge(input.mfaToken);
      const account = await users.findAccount({ id: userId });
      if (!account?.user.mfaEnabled) throw new AuthError('MFA_TOKEN_INVALID');
      // Disabled by an operator after the password step: no session, whatever the code.
      if (account.disabled) throw new AuthError('ACCOUNT_DISABLED');
      const { user } = account;
      // Wrong codes count toward the same per-account backoff as wrong passwords; the token's
      // attempt is counted inside it, so a call the backoff refuses spends none.
      const valid = await backoff.guard(user.email, async () => {
        await factor.attemptChallenge(tokenHash);
        return factor.verifyCode(userId, input.code);
      });
      if (!valid) {
        await events.record(userId, 'login_failed');
        throw wrongCodeError();
      }
      await factor.completeChallenge(tokenHash);
      await backoff.clear(user.email);
      return startSession(user, input);
    },

    /**
     * Spends the presented refresh token and issues a new pair. Rotation is one
     * compare-and-set, so of concurrent refreshes of one token exactly one rotates. The
     * others, and a client whose answer was lost, present the token that was current just
     * before: within the grace after that rotation they get a pair for the session's
     * current jti (nothing written, so every answer carries the same one). Any other spent
     * token on a live session is reuse (a stolen copy, or a client bug) and revokes it.
     */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const claims = tokens.verify(refreshToken, 'refresh');
      if (!claims) throw new AuthError('TOKEN_INVALID');
      const now = clock.now();
      const nextJti = randomUUID();
      // A session's lifetime is absolute: rotation never extends it, so a stolen refresh
      // token that keeps being rotated still dies with its login. The presented token
      // expires with the session, so the next one inherits its `exp`.
      const sessionExpiresAt = new Date(claims.exp * 1000);
      if (await sessions.rotate({ id: claims.sid, presentedJti: claims.jti, nextJti, now })) {
        return issuePair(claims.sub, claims.sid, nextJti, sessionExpiresAt);
      }
      const session = await sessions.findById(claims.sid);
      if (!session || session.userId !== claims.sub || session.revokedAt || session.expiresAt <= now) {
        throw new AuthError('TOKEN_INVALID');
      }
      if (withinGrace(session, claims.jti, now)) {
        return issuePair(claims.sub, claims.sid, session.currentRefreshJti, sessionExpiresAt);
      }
      // Committed before the error is thrown: the session ends, the event is kept and the owner
      // is told, once (of concurrent replays, the one that revokes it).
      await transaction(async (tx) => {
        if (!(await tx.sessions.revokeLive({ id: session.id, userId: session.userId, now }))) return;
        await events.record(session.userId, 'refresh_reuse_detected', tx);
        const owner = await tx.users.findById(session.userId);
        if (!owner) return;
        const message = sessionEndedForReuseEmail({ to: owner.email, appUrl: config.appUrl, at: now });
        await mail.queue(tx, { kind: 'message', message });
      });
      throw new AuthError('REFRESH_TOKEN_REUSED');
    },

    authenticate,

    /**
     * Whether an access token is valid and unrevoked right now, for other services: the same
     * check as an authenticated call, answered as a description instead of an error.
     */
    async introspect(token: string): Promise<Introspection> {
      try {
        const { userId, sessionId, accessExpiresAt } = await authenticate(token);
        return { active: true, sub: userId, sid: sessionId, exp: Math.floor(accessExpiresAt.getTime() / 1000) };
      } catch (error) {
        if (error instanceof AuthError) return { active: false };
        throw error;
      }
    },

    /**
     * Denies the access token until it expires and ends a session: the presented refresh
     * token's (when it is the caller's) or else the access token's own.
     */
    async logout(principal: Principal, refreshToken?: string): Promise<void> {
      const now = clock.now();
      await denylist.add(principal.accessJti, principal.accessExpiresAt);
      const refreshClaims = refreshToken ? tokens.verify(refreshToken, 'refresh') : null;
      const sessionId = refreshClaims?.sub === principal.userId ? refreshClaims.sid : principal.sessionId;
      await sessions.revoke(sessionId, now);
      if (sessionId !== principal.sessionId) await sessions.revoke(principal.sessionId, now);
      await events.record(principal.userId, 'logout');
    },

    async logoutAll(principal: Principal): Promise<void> {
      const now = clock.now();
      await denylist.add(principal.accessJti, principal.accessExpiresAt);
      await sessions.revokeAllForUser(principal.userId, now);
      await events.record(principal.userId, 'logout');
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
