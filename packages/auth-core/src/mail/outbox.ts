/**
 * Every mail Keyway sends goes through `MailQueue.queue`: a row in the outbox, written with the
 * repositories of the change that causes it (inside its transaction when there is one), so
 * the mail exists exactly when the change does and survives a crash. The mail worker
 * (outbox-worker.ts) makes each message when it sends it: emailed tokens are minted then,
 * so the outbox never holds a usable token, and whether to send at all (an unknown address,
 * an address verified meanwhile) is decided then too.
 */
import type { Clock } from '../clock.js';
import type { EmailTokenPurpose, OutboxRecord, Repositories } from '../repositories/types.js';
import { type EmailTokenConfig, emailTokenTtlSeconds, issueEmailToken } from '../services/email-tokens.js';
import type { MailMessage } from './mailer.js';
import { emailChangeEmail, passwordResetEmail, verificationEmail } from './templates.js';

/** What a service asks to send. Never put an emailed token in one: the worker mints it. */
export type OutgoingMail =
  /** A link that verifies the address; skipped if the user is gone, disabled, verified or changed address. */
  | { kind: 'verify-email'; to: string; userId: string }
  /**
   * A reset link, sent only if an account (not disabled) has this address when the mail is made. A
   * `throttled` one is queued all the same (the request does the same work either way)
   * and never sent.
   */
  | { kind: 'password-reset'; to: string; throttled?: boolean }
  /**
   * A link that moves the user's account to the address `to`, bound to that address and to
   * the request `requestId`; sent only while that request is the user's pending change (a
   * newer request, a password change or reset, or a confirmation ends it) and no other
   * account has the address by then.
   */
  | { kind: 'email-change'; to: string; userId: string; requestId: string }
  /** A message rendered by the caller, holding no secret (notices, security mails). */
  | { kind: 'message'; message: MailMessage };

export interface MailQueue {
  queue(repositories: Repositories, mail: OutgoingMail): Promise<void>;
}

/** `wake` runs after the row is committed, so this instance's worker sends it at once. */
export function createMailQueue(options: { clock: Clock; wake: () => void }): MailQueue {
  const { clock, wake } = options;
  return {
    async queue(repositories, mail) {
      const { recipient, payload } = toRow(mail);
      await repositories.outbox.enqueue({
        recipient,
        kind: mail.kind,
        payload: JSON.stringify(payload),
        now: clock.now(),
      });
      repositories.afterCommit(wake);
    },
  };
}

function toRow(mail: OutgoingMail): { recipient: string; payload: object } {
  switch (mail.kind) {
    case 'verify-email':
      return { recipient: mail.to, payload: { userId: mail.userId } };
    case 'password-reset':
      return { recipient: mail.to, payload: mail.throttled ? { throttled: true } : {} };
    case 'email-change':
      return { recipient: mail.to, payload: { userId: mail.userId, requestId: mail.requestId } };
    case 'message': {
      const { to, ...content } = mail.message;
      return { recipient: to, payload: content };
    }
  }
}

export interface MailComposerConfig extends EmailTokenConfig {
  appUrl: string;
}

/**
 * Makes the message of an outbox row, minting its token; null when it must not be sent.
 * An unknown kind throws (a newer instance may have queued it during a rolling deploy): the
 * message is retried, and an instance that knows the kind sends it.
 */
export function createMailComposer(options: { clock: Clock; config: MailComposerConfig }) {
  const { clock, config } = options;
  const mint = (
    repositories: Repositories,
    userId: string,
    purpose: EmailTokenPurpose,
    change?: { newEmail: string; changeRequestId: string },
  ) => issueEmailToken(repositories, { userId, purpose, clock, config, ...change });
  /** What a link's template needs; null when no token was minted. */
  const link = (purpose: EmailTokenPurpose, to: string, token: string | null) =>
    token === null ? null : { to, appUrl: config.appUrl, token, ttlSeconds: emailTokenTtlSeconds(config, purpose) };

  return async function compose(repositories: Repositories, row: OutboxRecord): Promise<MailMessage | null> {
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    const to = row.recipient;
    switch (row.kind) {
      case 'verify-email': {
        const account = await repositories.users.findAccount({ id: String(payload.userId) });
        const user = account && !account.disabled ? account.user : null;
        if (!user || user.emailVerified || user.email !== to) return null;
        const content = link('verify', to, await mint(repositories, user.id, 'verify'));
        return content && verificationEmail(content);
      }
      case 'password-reset': {
        if (payload.throttled === true) return null;
        const account = await repositories.users.findAccount({ email: to });
        // An account an operator disabled gets no link: it could not sign in with the password anyway.
        if (!account || account.disabled) return null;
        const { user } = account;
        const content = link('reset', to, await mint(repositories, user.id, 'reset'));
        return content && passwordResetEmail(content);
      }
      case 'email-change': {
        // A taken address gets nothing: the request answered alike, so it tells nobody that
        // the address has an account, and its owner is not mailed by a stranger's request. A
        // message of a request that is no longer pending (one queued before the upgrade has
        // none) mints nothing, however long it has been retried.
        const { requestId } = payload;
        const user = await repositories.users.findById(String(payload.userId));
        if (typeof requestId !== 'string' || !user || user.email === to) return null;
        if (await repositories.users.findByEmail(to)) return null;
        const change = { newEmail: to, changeRequestId: requestId };
        const content = link('email-change', to, await mint(repositories, user.id, 'email-change', change));
        return content && emailChangeEmail(content);
      }
      case 'message':
        return { to, subject: String(payload.subject), text: String(payload.text), html: String(payload.html) };
      default:
        throw new Error(`Unknown outbox message kind: ${row.kind}`);
    }
  };
}

export type MailComposer = ReturnType<typeof createMailComposer>;
