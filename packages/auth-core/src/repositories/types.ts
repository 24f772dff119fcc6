/**
 * The narrow shapes services depend on. Repositories are the only code that touches the
 * EntityManager; services see plain records, so unit tests can hand them small fakes.
 */
import type { EncryptedValue } from '../encryption.js';

export interface UserRecord {
  id: string;
  email: string;
  emailVerified: boolean;
  /** Whether a second factor (TOTP) is required at login. */
  mfaEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRepository {
  /** Creates the user; throws AuthError EMAIL_TAKEN when the email exists. */
  create(input: { email: string; passwordHash: string; now: Date }): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  /** The user and whether an operator has disabled it (`admin users disable`), in one read. */
  findAccount(where: { id: string } | { email: string }): Promise<{ user: UserRecord; disabled: boolean } | null>;
  /** The user and its password hash in one read: what a login needs, and nothing more. */
  findCredentials(email: string): Promise<{ user: UserRecord; passwordHash: string; disabled: boolean } | null>;
  findPasswordHash(id: string): Promise<string | null>;
  updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void>;
  markEmailVerified(id: string, now: Date): Promise<UserRecord | null>;
  /**
   * Records the user's pending email change (a new request's id), or ends it (null): the
   * links and queued mail of any other request are dead from then on.
   */
  setEmailChangeRequest(id: string, requestId: string | null, now: Date): Promise<void>;
  /**
   * Whether `requestId` is still the user's pending email change; on PostgreSQL the user's row
   * stays locked until the transaction ends, so a new request or a confirmation waits for it.
   */
  holdEmailChangeRequest(id: string, requestId: string): Promise<boolean>;
  /**
   * Compare-and-set: moves the account from `from` to `to` (verified, since its owner followed
   * a link sent to it) and ends the pending change, only while `requestId` is that change and
   * the account is not disabled. Null when it is not (nothing written); throws AuthError
   * EMAIL_TAKEN when another account has the address.
   */
  changeEmail(input: {
    id: string;
    from: string;
    to: string;
    requestId: string;
    now: Date;
  }): Promise<UserRecord | null>;
  /** Deletes the user and, by cascade, every row that belongs to it; true when there was one. */
  delete(id: string): Promise<boolean>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  expiresAt: Date;
  revokedAt: Date | null;
  currentRefreshJti: string;
  /** The jti the latest rotation replaced, and when it did (null before the first). */
  previousRefreshJti: string | null;
  rotatedAt: Date | null;
}

/** What a user sees of one of their sessions (a device). */
export interface SessionSummary {
  id: string;
  createdAt: Date;
  /** The last refresh (sign-in, if never refreshed). */
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface SessionRepository {
  create(input: {
    id: string;
    userId: string;
    refreshJti: string;
    now: Date;
    expiresAt: Date;
    userAgent: string | null;
    ip: string | null;
  }): Promise<void>;
  findById(id: string): Promise<SessionRecord | null>;
  /**
   * Compare-and-set rotation: swaps the refresh jti only if the presented one is current
   * and the session live, keeping the presented one as the previous jti with the time of
   * the swap. True when this caller won the swap. The session's expiry is absolute and left
   * as it is.
   */
  rotate(input: { id: string; presentedJti: string; nextJti: string; now: Date }): Promise<boolean>;
  revoke(id: string, now: Date): Promise<void>;
  /** Revokes the session if it is the user's and live; true when this call did. */
  revokeLive(input: { id: string; userId: string; now: Date }): Promise<boolean>;
  /** Revokes the user's live sessions (but the one kept); resolves to how many. */
  revokeAllForUser(userId: string, now: Date, options?: { exceptSessionId?: string }): Promise<number>;
  /** The user's live sessions, newest first. */
  listLive(userId: string, now: Date): Promise<SessionSummary[]>;
  /**
   * The hot path of every authenticated call: the session's user when the session is live
   * (not revoked, `expires_at > now`) and the access token's jti is not deny-listed, else
   * null. One indexed read.
   */
  findActiveUser(input: { sessionId: string; accessJti: string; now: Date }): Promise<UserRecord | null>;
  purgeExpired(before: Date, limit: number): Promise<number>;
}

export interface DenylistRepository {
  add(jti: string, expiresAt: Date): Promise<void>;
  purgeExpired(now: Date, limit: number): Promise<number>;
}

export type EmailTokenPurpose = 'reset' | 'verify' | 'email-change';

export interface EmailTokenRepository {
  create(input: {
    tokenHash: string;
    userId: string;
    purpose: EmailTokenPurpose;
    now: Date;
    expiresAt: Date;
    /** For an email change: the address the token was sent to, the one it confirms. */
    newEmail?: string | null;
    /** For an email change: the request it was minted for. */
    changeRequestId?: string | null;
  }): Promise<void>;
  /** The user (and, for an email change, the new address and request) of an unused, unexpired token of that purpose, or null. */
  findValid(input: {
    tokenHash: string;
    purpose: EmailTokenPurpose;
    now: Date;
  }): Promise<{ userId: string; newEmail: string | null; changeRequestId: string | null } | null>;
  /** Marks the token used if it still is unused and unexpired; true when this caller did. */
  consume(input: { tokenHash: string; purpose: EmailTokenPurpose; now: Date }): Promise<boolean>;
  /** Marks every unused token of that purpose for the user as used. */
  invalidateAll(userId: string, purpose: EmailTokenPurpose, now: Date): Promise<void>;
  purgeExpired(now: Date, limit: number): Promise<number>;
}

/** A claimed outbox message: what the mail worker needs to make and send it. */
export interface OutboxRecord {
  id: string;
  recipient: string;
  kind: string;
  /** JSON, never an emailed token. */
  payload: string;
  createdAt: Date;
  /** Attempts begun, this one included. */
  attempts: number;
}

export interface OutboxRepository {
  enqueue(input: { recipient: string; kind: string; payload: string; now: Date }): Promise<void>;
  /**
   * Takes up to `limit` due messages (unsent, not failed, `next_attempt_at <= now`, no live
   * claim) for this worker until `leaseUntil`, in one statement: two workers never take the
   * same message while its lease lasts.
   */
  claimDue(input: { now: Date; leaseUntil: Date; limit: number }): Promise<OutboxRecord[]>;
  markSent(id: string, now: Date): Promise<void>;
  /** Releases the claim and makes the message due again at `nextAttemptAt`. */
  scheduleRetry(id: string, input: { nextAttemptAt: Date; error: string }): Promise<void>;
  markFailed(id: string, input: { now: Date; error: string }): Promise<void>;
  /** Messages still to deliver, and messages given up on. */
  depth(): Promise<{ pending: number; failed: number }>;
  /** Deletes up to `limit` messages sent before `sentBefore` or failed before `failedBefore`. */
  purgeFinished(input: { sentBefore: Date; failedBefore: Date; limit: number }): Promise<number>;
}

/** A user's TOTP secret as stored (encrypted), and its state. */
export interface MfaSecretRecord {
  secret: EncryptedValue;
  enabled: boolean;
  /** The last time step a code was accepted for; a code of this step or an earlier one is spent. */
  lastUsedStep: number | null;
}

/** The second factor: TOTP secrets, recovery codes and pending login challenges. */
export interface MfaRepository {
  findSecret(userId: string): Promise<MfaSecretRecord | null>;
  /** Stores a pending secret, replacing a pending one; false (nothing written) when MFA is already on. */
  setPendingSecret(input: { userId: string; secret: EncryptedValue; now: Date }): Promise<boolean>;
  /**
   * Turns on the pending secret that was read (compare-and-set on its ciphertext, still
   * pending) and records the step of the code that proved it; false when it changed meanwhile.
   */
  enable(input: { userId: string; ciphertext: string; step: number; now: Date }): Promise<boolean>;
  /** Replaces the user's recovery codes with these hashes. */
  replaceRecoveryCodes(input: { userId: string; codeHashes: string[]; now: Date }): Promise<void>;
  /** Accepts a code's time step when it is later than the last accepted one (compare-and-set). */
  useStep(input: { userId: string; step: number }): Promise<boolean>;
  /** Spends an unused recovery code of the user (compare-and-set); true when this caller did. */
  useRecoveryCode(input: { userId: string; codeHash: string; now: Date }): Promise<boolean>;
  /** Clears the secret (on or pending), the recovery codes and the pending challenges; false when MFA was not on. */
  disable(input: { userId: string; now: Date }): Promise<boolean>;
  createChallenge(input: { tokenHash: string; userId: string; now: Date; expiresAt: Date }): Promise<void>;
  /** Reads a live challenge's user without counting an attempt; null when there is none. */
  findChallenge(input: { tokenHash: string; now: Date; maxAttempts: number }): Promise<string | null>;
  /** Ends the user's pending login challenges (a new password makes them stale). */
  deleteChallenges(userId: string): Promise<void>;
  /**
   * Counts one attempt against a live challenge (unused, unexpired, fewer than `maxAttempts`
   * so far) by compare-and-set, and returns its user id; null when there is no such challenge.
   */
  attemptChallenge(input: { tokenHash: string; now: Date; maxAttempts: number }): Promise<string | null>;
  /** Marks a live challenge used; true when this caller did. */
  consumeChallenge(input: { tokenHash: string; now: Date }): Promise<boolean>;
  purgeExpiredChallenges(now: Date, limit: number): Promise<number>;
}

/** One entry of a user's security log, as the user sees it. */
export interface SecurityEventRecord {
  type: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface SecurityEventRepository {
  /** `userId` null: an anonymous trace that belongs to no account (a deleted one). */
  record(input: SecurityEventRecord & { userId: string | null }): Promise<void>;
  /** The user's latest `limit` events, newest first. */
  listForUser(userId: string, limit: number): Promise<SecurityEventRecord[]>;
  /** Deletes up to `limit` events older than `before`. */
  purgeBefore(before: Date, limit: number): Promise<number>;
}

export interface Repositories {
  users: UserRepository;
  sessions: SessionRepository;
  denylist: DenylistRepository;
  emailTokens: EmailTokenRepository;
  outbox: OutboxRepository;
  /**
   * Runs `callback` once the writes made so far are durable: after the running transaction
   * commits (never when it rolls back), at once outside a transaction.
   */
  afterCommit(callback: () => void): void;
  mfa: MfaRepository;
  securityEvents: SecurityEventRepository;
  /**
   * Runs `work` on repositories bound to one database transaction: every write through `tx`
   * commits when `work` resolves and is rolled back when it throws. `tx.transaction(...)`
   * joins the same transaction. On SQLite a transaction holds the database's one write lock
   * from its first write to its end: keep it short, no slow work (bcrypt, mail) inside.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}
