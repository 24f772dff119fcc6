/**
 * The outbox and its worker on real databases (SQLite and PostgreSQL) with real SMTP
 * delivery: mail exists exactly when its transaction commits, is retried with growing
 * delays and then given up, is never sent twice by two workers at once, and a claim that
 * was never finished (a crash) is taken over after its lease.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthCore } from '../core.js';
import { OutboxMessage } from '../entities/index.js';
import type { Logger } from '../logger.js';
import { openOrm } from '../orm.js';
import { createRepositories } from '../repositories/index.js';
import { createTestCore, type TestCore, testDialects } from '../testing/index.js';
import { createMailQueue } from './outbox.js';

const password = 'plum-orbit-cascade';

function recordingLogger() {
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_object, message) => errors.push(message ?? '') };
  return { logger, errors };
}

const notice = (to: string, subject = 'Notice') => ({
  kind: 'message' as const,
  message: { to, subject, text: `Hello ${to}`, html: `<p>Hello ${to}</p>` },
});

describe.each(await testDialects())('the mail outbox on %s', (dialect) => {
  let t: TestCore;
  const log = recordingLogger();
  const repositories = () => createRepositories(t.orm.em as EntityManager);
  const rows = () => (t.orm.em.fork() as EntityManager).find(OutboxMessage, {}, { orderBy: { createdAt: 'asc' } });

  beforeEach(async () => {
    t = await createTestCore({ dialect, file: true, logger: log.logger, config: { mailRetryForSeconds: 300 } });
    log.errors.length = 0;
  });
  afterEach(() => t.close());

  it('queues mail with the transaction that causes it: nothing when it rolls back, wakes the worker after commit', async () => {
    let wakes = 0;
    const queue = createMailQueue({ clock: t.clock, wake: () => wakes++ });
    await expect(
      repositories().transaction(async (tx) => {
        await queue.queue(tx, notice('rolled-back@example.com'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rows()).toEqual([]);
    expect(wakes).toBe(0);

    await repositories().transaction(async (tx) => {
      await queue.queue(tx, notice('committed@example.com'));
      expect(wakes).toBe(0); // not before the commit
    });
    expect(wakes).toBe(1);
    expect((await rows()).map((row) => row.recipient)).toEqual(['committed@example.com']);
  });

  it('retries a failing message with growing delays, then marks it failed and logs it', async () => {
    t.mailbox.setRejecting(true);
    await t.core.forRequest().users.register({ email: 'unlucky@example.com', password });
    const queuedAt = t.clock.now().getTime();
    const attemptTimes: number[] = [];
    for (let step = 0; step < 10; step++) {
      await t.core.idle();
      const [row] = await rows();
      if (!row) throw new Error('the message vanished');
      if (row.attempts > attemptTimes.length) attemptTimes.push((t.clock.now().getTime() - queuedAt) / 1000);
      if (row.failedAt) break;
      // Not due a moment before its time; due at it.
      t.clock.set(new Date(row.nextAttemptAt.getTime() - 1));
      await t.core.idle();
      expect((await rows())[0]?.attempts).toBe(row.attempts);
      t.clock.set(row.nextAttemptAt);
    }
    // 10 s, then doubling, until MAIL_RETRY_FOR (300 s) after it was queued.
    expect(attemptTimes).toEqual([0, 10, 30, 70, 150, 300]);
    const [row] = await rows();
    expect(row).toMatchObject({ attempts: 6, sentAt: null, failedAt: new Date(queuedAt + 300_000) });
    expect(row?.lastError).toMatch(/Mailbox unavailable/);
    expect(log.errors).toEqual(['Mail given up after 6 attempts: verify-email']);
    expect(await t.core.mailDepth()).toEqual({ pending: 0, failed: 1 });
    expect(t.mailbox.messages).toEqual([]);
  });

  it('delivers each of many messages exactly once when two instances drain the outbox together', async () => {
    const orm = await openOrm({ databaseUrl: t.database.url });
    const other = await createAuthCore({ orm, config: t.config, clock: t.clock });
    try {
      const queue = createMailQueue({ clock: t.clock, wake: () => {} });
      const recipients = Array.from({ length: 60 }, (_, index) => `many${index}@example.com`);
      for (const to of recipients) await queue.queue(repositories(), notice(to));
      await Promise.all([t.core.idle(), other.idle(), t.core.idle(), other.idle()]);
      expect(t.mailbox.messages.map((mail) => mail.to).sort()).toEqual([...recipients].sort());
      expect(await t.core.mailDepth()).toEqual({ pending: 0, failed: 0 });
    } finally {
      await other.close();
      await orm.close(true);
    }
  });

  it('leaves a message claimed by a worker that died alone until the lease ends, then sends it', async () => {
    const queue = createMailQueue({ clock: t.clock, wake: () => {} });
    await queue.queue(repositories(), notice('orphan@example.com'));
    const now = t.clock.now();
    // A worker claimed it and was killed before it could send or record anything.
    const claimed = await repositories().outbox.claimDue({
      now,
      leaseUntil: new Date(now.getTime() + 120_000),
      limit: 10,
    });
    expect(claimed.map((message) => message.recipient)).toEqual(['orphan@example.com']);
    await t.core.idle();
    expect(t.mailbox.messages).toEqual([]);
    t.clock.advance(120_000);
    await t.core.idle();
    expect(t.mailbox.messages.map((mail) => mail.to)).toEqual(['orphan@example.com']);
    expect((await rows())[0]).toMatchObject({ attempts: 2, sentAt: t.clock.now() });
  });

  it('sends a reset link only to an address with an account, and a verification link only while it is needed', async () => {
    const services = () => t.core.forRequest();
    const user = await services().users.register({ email: 'known@example.com', password });
    await services().users.requestPasswordReset('known@example.com');
    await services().users.requestPasswordReset('unknown@example.com');
    await t.core.idle();
    const verification = t.mailbox.messages.find((mail) => /Confirm/.test(mail.subject));
    if (!verification) throw new Error('no verification mail');
    // A second verification mail still waits when the address gets verified: it is not sent.
    const queue = createMailQueue({ clock: t.clock, wake: () => {} });
    await queue.queue(repositories(), { kind: 'verify-email', to: user.email, userId: user.id });
    await services().users.verifyEmail(t.mailbox.tokenFrom(verification));
    await t.core.idle();
    expect(t.mailbox.messages.map((mail) => `${mail.to} ${mail.subject}`).sort()).toEqual([
      'known@example.com Confirm your email address',
      'known@example.com Reset your password',
    ]);
    expect((await rows()).every((row) => row.sentAt !== null)).toBe(true);
  });
});
