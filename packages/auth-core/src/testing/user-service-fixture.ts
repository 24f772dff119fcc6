/**
 * The user service on in-memory repositories with the real outbox and mail worker, whose
 * sender records messages and which a test drains by hand: what the user service's unit
 * suites share.
 */
import { createAccountBackoff, createMemoryBackoffCounter, defaultAccountBackoffRule } from '../account-backoff.js';
import { createManualClock } from '../clock.js';
import { silentLogger } from '../logger.js';
import { type MailThrottle, unlimitedMail } from '../mail/mail-throttle.js';
import type { MailMessage } from '../mail/mailer.js';
import { createMailComposer, createMailQueue } from '../mail/outbox.js';
import { createMailWorker } from '../mail/outbox-worker.js';
import type { PasswordHasher } from '../passwords.js';
import { createSecurityEventRecorder } from '../security-events.js';
import type { Principal } from '../services/auth.service.js';
import { createUserService } from '../services/user.service.js';
import { createMemoryRepositories } from './memory-repositories.js';

export const userServiceConfig = {
  appUrl: 'https://app.example.com',
  resetTokenTtlSeconds: 3600,
  verifyTokenTtlSeconds: 86_400,
};

/** A mail throttle that lets `max` messages through per key of each count. */
export function countingMailThrottle(max: number): MailThrottle {
  const counts = new Map<string, number>();
  return {
    async allow(key, count = 'address') {
      const seen = (counts.get(`${count}:${key}`) ?? 0) + 1;
      counts.set(`${count}:${key}`, seen);
      return seen <= max;
    },
  };
}

export function createUserServiceFixture(options: {
  passwords: PasswordHasher;
  mailThrottle?: MailThrottle;
  registerEnumerationSafe?: boolean;
}) {
  const clock = createManualClock(new Date('2026-03-01T12:00:00Z'));
  const repositories = createMemoryRepositories();
  const outbox: MailMessage[] = [];
  const sender = {
    send: async (message: MailMessage) => {
      outbox.push(message);
    },
    close() {},
  };
  const worker = createMailWorker({
    repositories: () => repositories,
    compose: createMailComposer({ clock, config: userServiceConfig }),
    sender,
    clock,
    logger: silentLogger,
    retryForSeconds: 86_400,
  });
  const users = createUserService({
    ...repositories,
    passwords: options.passwords,
    clock,
    mail: createMailQueue({ clock, wake: () => {} }),
    backoff: createAccountBackoff(createMemoryBackoffCounter(defaultAccountBackoffRule), clock),
    mailThrottle: options.mailThrottle ?? unlimitedMail,
    config: { appUrl: userServiceConfig.appUrl, registerEnumerationSafe: options.registerEnumerationSafe ?? false },
    events: createSecurityEventRecorder({ events: () => repositories.securityEvents, clock, client: {} }),
  });

  /** A principal for a session made directly in the repository. */
  async function sessionFor(userId: string, id: string): Promise<Principal> {
    const now = clock.now();
    await repositories.sessions.create({
      id,
      userId,
      refreshJti: `${id}-refresh`,
      now,
      expiresAt: new Date(now.getTime() + 86_400_000),
      userAgent: null,
      ip: null,
    });
    const user = await repositories.users.findById(userId);
    if (!user) throw new Error(`no user ${userId}`);
    return {
      userId,
      user,
      sessionId: id,
      accessJti: `${id}-access`,
      accessExpiresAt: new Date(now.getTime() + 900_000),
    };
  }

  return {
    /** The hasher the service was given. */
    passwords: options.passwords,
    clock,
    repositories,
    /** Every message the worker has sent. */
    outbox,
    worker,
    users,
    sessionFor,
    /** Delivers the queued mail, as the worker does after the answer went out. */
    drain: () => worker.idle(),
    /** The messages waiting in the outbox. */
    queued: () => [...repositories.state.outbox.values()].filter((message) => !message.sentAt),
    /** A user registered with `password`, its verification mail delivered and `outbox` emptied. */
    async registered(password: string, email = 'ada@example.com') {
      const user = await users.register({ email, password });
      await worker.idle();
      outbox.length = 0;
      return user;
    },
  };
}

/** The token of the link in a mail's text. */
export const tokenIn = (mail: MailMessage | undefined): string => /token=([\w-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
