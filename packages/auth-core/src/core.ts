/**
 * Wires repositories, services and the shared, stateless parts (token signer, password
 * hasher, mail) together. `forRequest()` gives every procedure call its own unit of work
 * (the EntityManager is forked on first use), so nothing is shared between calls or instances.
 */
import type { KeyObject } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import {
  type BackoffCounter,
  createAccountBackoff,
  createMemoryBackoffCounter,
  defaultAccountBackoffRule,
} from './account-backoff.js';
import { type Clock, systemClock } from './clock.js';
import { createDataCipher } from './encryption.js';
import { type Logger, silentLogger } from './logger.js';
import { type MailThrottle, unlimitedMail } from './mail/mail-throttle.js';
import { createMailSender, type MailSender } from './mail/mailer.js';
import { createMailComposer, createMailQueue } from './mail/outbox.js';
import { createMailWorker, type MailOutcome } from './mail/outbox-worker.js';
import { createSecondFactor, type SecondFactor } from './mfa/second-factor.js';
import type { Orm } from './orm.js';
import { createPasswordHasher, type PasswordHasher } from './passwords.js';
import { openActiveUserRead } from './repositories/active-user-query.js';
import { createRepositories } from './repositories/index.js';
import { activeUserFinder } from './repositories/session-repository.js';
import type { Repositories } from './repositories/types.js';
import {
  createSecurityEventRecorder,
  defaultAuditRetentionMs,
  type EventClient,
  type SecurityEventRecorder,
} from './security-events.js';
import { type AuthService, createAuthService } from './services/auth.service.js';
import { createAuthenticator } from './services/authenticate.js';
import { createMfaService, type MfaService } from './services/mfa.service.js';
import { createSessionService, type SessionService } from './services/session.service.js';
import { createUserService, type UserService } from './services/user.service.js';
import type { JwtAlgorithm } from './signing-keys.js';
import { createTokenSigner } from './tokens.js';

export interface AuthCoreConfig {
  jwtSecret: string | Buffer;
  /** `HS256` (default) signs with `jwtSecret`; `ES256` with `jwtPrivateKey` (see tokens.ts). */
  jwtAlgorithm?: JwtAlgorithm;
  jwtPrivateKey?: KeyObject | null;
  /** ES256: public keys of earlier signing keys, still accepted until removed. */
  jwtRetiredPublicKeys?: readonly KeyObject[];
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /**
   * How long after a rotation the refresh token it replaced still earns a pair for the
   * current one (a lost answer, racing tabs) instead of counting as reuse; 0 turns it off.
   */
  refreshReuseGraceSeconds: number;
  resetTokenTtlSeconds: number;
  verifyTokenTtlSeconds: number;
  bcryptCost: number;
  /** Base of the links in emails (the web app). */
  appUrl: string;
  mailTransport: string;
  mailFrom: string;
  /** `DATA_ENCRYPTION_KEY`: encrypts data at rest (TOTP secrets); never a token-signing key. */
  dataEncryptionKey: Buffer;
  /** How long a mail that cannot be delivered is retried before it is marked failed. */
  mailRetryForSeconds: number;
  /** `REGISTER_ENUMERATION_SAFE`: registering a taken email answers like a new account; the owner is mailed. */
  registerEnumerationSafe: boolean;
  /** How long security events are kept (default 90 days). */
  auditRetentionSeconds?: number;
}

/** Sent mail is kept a day (to look into a complaint), failed mail a month. */
const sentMailRetentionMs = 86_400_000;
const failedMailRetentionMs = 30 * 86_400_000;

export interface AuthCoreOptions {
  orm: Orm;
  config: AuthCoreConfig;
  clock?: Clock;
  logger?: Logger;
  /** Overrides the transport named by `config.mailTransport`. */
  mail?: MailSender;
  /** Prebuilt hasher (tests share one to avoid recomputing the dummy hash). */
  passwords?: PasswordHasher;
  /** Told the outcome of every mail attempt (metrics). */
  onMailOutcome?: (outcome: MailOutcome) => void;
  /**
   * Where per-account backoff counts live (shared by every instance in production); by
   * default this process's memory with the default rule.
   */
  backoffCounter?: BackoffCounter;
  /** Counts mail per address for the flows a caller can repeat; by default unlimited. */
  mailThrottle?: MailThrottle;
}

export async function createAuthCore(options: AuthCoreOptions) {
  const { orm, config, clock = systemClock, logger = silentLogger } = options;
  const passwords = options.passwords ?? (await createPasswordHasher({ cost: config.bcryptCost }));
  const tokens = createTokenSigner(
    {
      algorithm: config.jwtAlgorithm,
      secret: config.jwtSecret,
      privateKey: config.jwtPrivateKey,
      retiredPublicKeys: config.jwtRetiredPublicKeys,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    },
    clock,
  );
  const mail = options.mail ?? createMailSender({ transport: config.mailTransport, from: config.mailFrom, logger });
  const cipher = createDataCipher([config.dataEncryptionKey]);
  /** Repositories over a unit of work of their own (forked only if a query needs one). */
  // The authenticated check's read, opened once here and closed by `close()` (before the ORM).
  const activeUsers = openActiveUserRead(orm.em as EntityManager);
  const forkRepositories = (): Repositories => createRepositories(orm.em as EntityManager, activeUsers);
  const mailWorker = createMailWorker({
    repositories: forkRepositories,
    compose: createMailComposer({ clock, config }),
    sender: mail,
    clock,
    logger,
    retryForSeconds: config.mailRetryForSeconds,
    onOutcome: options.onMailOutcome,
  });
  const mailQueue = createMailQueue({ clock, wake: () => mailWorker.wake() });
  const backoff = createAccountBackoff(
    options.backoffCounter ?? createMemoryBackoffCounter(defaultAccountBackoffRule),
    clock,
  );

  /**
   * The services of one procedure call, each built when the call first uses it, and its
   * repositories with the first of them: a call that only authenticates (users.me) builds
   * nothing here.
   */
  function forRequest(client: EventClient = {}) {
    let repositories: Repositories | undefined;
    const repos = () => {
      repositories ??= forkRepositories();
      return repositories;
    };
    let authService: AuthService | undefined;
    let userService: UserService | undefined;
    let sessionService: SessionService | undefined;
    let mfaService: MfaService | undefined;
    let secondFactor: SecondFactor | undefined;
    let events: SecurityEventRecorder | undefined;
    const getSecondFactor = () => {
      secondFactor ??= createSecondFactor({ mfa: repos().mfa, cipher, clock });
      return secondFactor;
    };
    const getEvents = () => {
      events ??= createSecurityEventRecorder({ events: () => repos().securityEvents, clock, client });
      return events;
    };
    // Dependencies are listed, not spread: spreading the repositories object cost a few
    // microseconds per call, a measurable share of an authenticated call (apps/server/bench/README.md).
    return {
      get auth(): AuthService {
        if (authService) return authService;
        const { users, sessions, denylist, transaction } = repos();
        authService = createAuthService({
          users,
          sessions,
          denylist,
          passwords,
          tokens,
          authenticate,
          secondFactor: getSecondFactor,
          clock,
          config,
          backoff,
          events: getEvents(),
          transaction,
          mail: mailQueue,
        });
        return authService;
      },
      get sessions(): SessionService {
        sessionService ??= createSessionService({ sessions: repos().sessions, clock, events: getEvents() });
        return sessionService;
      },
      get mfa(): MfaService {
        if (mfaService) return mfaService;
        const { users, mfa, transaction } = repos();
        mfaService = createMfaService({
          users,
          mfa,
          transaction,
          passwords,
          secondFactor: getSecondFactor(),
          cipher,
          clock,
          backoff,
          events: getEvents(),
          mail: mailQueue,
          config,
        });
        return mfaService;
      },
      get users(): UserService {
        if (userService) return userService;
        const { users, sessions, denylist, emailTokens, transaction, afterCommit } = repos();
        userService = createUserService({
          users,
          sessions,
          denylist,
          emailTokens,
          // Read when mail is queued, so a call that queues none never builds it.
          get outbox() {
            return repos().outbox;
          },
          get mfa() {
            return repos().mfa;
          },
          get securityEvents() {
            return repos().securityEvents;
          },
          transaction,
          afterCommit,
          passwords,
          clock,
          mail: mailQueue,
          backoff,
          mailThrottle: options.mailThrottle ?? unlimitedMail,
          config,
          events: getEvents(),
        });
        return userService;
      },
    };
  }

  /**
   * The check of every authenticated call, on the hot read above (never a unit of work of its
   * own), so it runs before any of a call's services exist.
   */
  const authenticate = createAuthenticator({ tokens, clock, findActiveUser: activeUserFinder(activeUsers) });

  return {
    forRequest,
    authenticate,
    tokens,
    passwords,
    clock,
    /** Per-account backoff of secret checks (services use it; exposed for tools and tests). */
    backoff,
    /** Deletes expired deny-list rows, long-dead sessions, expired emailed tokens, MFA challenges, finished mail and old security events, in bounded batches. */
    async purgeExpired(batchSize = 1000): Promise<number> {
      const repositories = forkRepositories();
      const now = clock.now();
      const auditRetentionMs =
        config.auditRetentionSeconds === undefined ? defaultAuditRetentionMs : config.auditRetentionSeconds * 1000;
      const sessionCutoff = new Date(now.getTime() - config.refreshTokenTtlSeconds * 1000);
      let total = 0;
      for (const purge of [
        () => repositories.denylist.purgeExpired(now, batchSize),
        () => repositories.sessions.purgeExpired(sessionCutoff, batchSize),
        () => repositories.emailTokens.purgeExpired(now, batchSize),
        () =>
          repositories.outbox.purgeFinished({
            sentBefore: new Date(now.getTime() - sentMailRetentionMs),
            failedBefore: new Date(now.getTime() - failedMailRetentionMs),
            limit: batchSize,
          }),
        () => repositories.mfa.purgeExpiredChallenges(now, batchSize),
        () => repositories.securityEvents.purgeBefore(new Date(now.getTime() - auditRetentionMs), batchSize),
      ]) {
        for (let deleted = await purge(); deleted > 0; deleted = deleted === batchSize ? await purge() : 0) {
          total += deleted;
        }
      }
      return total;
    },
    /** The outbox's mail worker: `start()` it in a serving instance; `stop()` before closing. */
    mailWorker,
    /** Messages still to deliver and messages given up on (metrics). */
    mailDepth: () => forkRepositories().outbox.depth(),
    /** Delivers every mail due now and resolves when none is left (tests, one-off tools). */
    idle: () => mailWorker.idle(),
    async close(): Promise<void> {
      await mailWorker.stop();
      mail.close();
      activeUsers.close();
    },
  };
}

export type AuthCore = Awaited<ReturnType<typeof createAuthCore>>;
export type AuthServices = ReturnType<AuthCore['forRequest']>;
