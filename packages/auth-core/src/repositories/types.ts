/**
 * The narrow shapes services depend on. Repositories are the only code that touches the
 * EntityManager; services see plain records, so unit tests can hand them small fakes.
 */
export interface UserRecord {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRepository {
  /** Creates the user; throws AuthError EMAIL_TAKEN when the email exists. */
  create(input: { email: string; passwordHash: string; now: Date }): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  /** The user and its password hash in one read: what a login needs, and nothing more. */
  findCredentials(email: string): Promise<{ user: UserRecord; passwordHash: string; disabled: boolean } | null>;
  findPasswordHash(id: string): Promise<string | null>;
  updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void>;
  markEmailVerified(id: string, now: Date): Promise<UserRecord | null>;
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

export type EmailTokenPurpose = 'reset' | 'verify';

export interface EmailTokenRepository {
  create(input: {
    tokenHash: string;
    userId: string;
    purpose: EmailTokenPurpose;
    now: Date;
    expiresAt: Date;
  }): Promise<void>;
  /** The user id of an unused, unexpired token of that purpose, or null. */
  findValidUserId(input: { tokenHash: string; purpose: EmailTokenPurpose; now: Date }): Promise<string | null>;
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
  /**
   * Runs `work` on repositories bound to one database transaction: every write through `tx`
   * commits when `work` resolves and is rolled back when it throws. `tx.transaction(...)`
   * joins the same transaction. On SQLite a transaction holds the database's one write lock
   * from its first write to its end: keep it short, no slow work (bcrypt, mail) inside.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}
