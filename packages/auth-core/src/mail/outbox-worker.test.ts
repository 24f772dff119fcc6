/**
 * The mail worker's own lifecycle on the in-memory repositories: it sends what is due when
 * it starts, when woken and when polling; it stops claiming when stopped without waiting
 * long for a send in flight; it rides out an unreachable database and a lost outcome. The
 * same worker on real databases and real SMTP: outbox.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Repositories } from '../repositories/types.js';
import { createMemoryRepositories } from '../testing/memory-repositories.js';
import type { MailMessage, MailSender } from './mailer.js';
import { createMailComposer, createMailQueue, type OutgoingMail } from './outbox.js';
import { createMailWorker, type MailOutcome, type MailWorker } from './outbox-worker.js';

const config = { appUrl: 'https://app.example.com', resetTokenTtlSeconds: 3600, verifyTokenTtlSeconds: 86_400 };
const notice = (to: string): OutgoingMail => ({
  kind: 'message',
  message: { to, subject: 'Notice', text: 'Hello', html: '<p>Hello</p>' },
});

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (_object: object, message = '') =>
      lines.push({ level, message });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

function setUp(options: { pollIntervalMs?: number; sender?: MailSender; repositories?: () => Repositories } = {}) {
  const clock = createManualClock(new Date('2026-03-01T12:00:00Z'));
  const memory = createMemoryRepositories();
  const sent: MailMessage[] = [];
  const outcomes: MailOutcome[] = [];
  const log = recordingLogger();
  const sender: MailSender = options.sender ?? {
    send: async (message) => {
      sent.push(message);
    },
    close() {},
  };
  const worker = createMailWorker({
    repositories: options.repositories ?? (() => memory),
    compose: createMailComposer({ clock, config }),
    sender,
    clock,
    logger: log.logger,
    retryForSeconds: 3600,
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  const queue = createMailQueue({ clock, wake: () => worker.wake() });
  return { clock, memory, sent, outcomes, log, worker, queue };
}

let running: MailWorker | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('the mail worker', () => {
  it('sends what was queued before it started as soon as it starts', async () => {
    const t = setUp();
    await t.queue.queue(t.memory, notice('waiting@example.com'));
    expect(t.sent).toEqual([]); // not started: queueing alone sends nothing
    running = t.worker;
    t.worker.start();
    await vi.waitFor(() => expect(t.sent.map((mail) => mail.to)).toEqual(['waiting@example.com']));
    expect(t.outcomes).toEqual(['sent']);
  });

  it('is woken by a commit on its own instance, and polls for the rows of others', async () => {
    const woken = setUp();
    running = woken.worker;
    woken.worker.start();
    await woken.worker.idle();
    await woken.queue.queue(woken.memory, notice('woken@example.com'));
    await vi.waitFor(() => expect(woken.sent).toHaveLength(1));
    await woken.worker.stop();

    const polling = setUp({ pollIntervalMs: 20 });
    running = polling.worker;
    polling.worker.start();
    // Queued by "another instance": no wake reaches this worker, its poll finds the row.
    await createMailQueue({ clock: polling.clock, wake: () => {} }).queue(polling.memory, notice('other@example.com'));
    await vi.waitFor(() => expect(polling.sent).toHaveLength(1));
  });

  it('stops claiming when stopped, and does not wait long for a send that hangs', async () => {
    let release = () => {};
    const hanging: MailSender = {
      send: () => new Promise<void>((resolve) => (release = resolve)),
      close() {},
    };
    const t = setUp({ sender: hanging, pollIntervalMs: 20 });
    t.worker.start();
    await t.queue.queue(t.memory, notice('slow@example.com'));
    await vi.waitFor(() => expect([...t.memory.state.outbox.values()][0]?.attempts).toBe(1));
    await t.worker.stop(50); // resolves while the send still hangs
    await t.queue.queue(t.memory, notice('after@example.com'));
    await new Promise((resolve) => setTimeout(resolve, 100)); // several poll periods
    expect([...t.memory.state.outbox.values()].map((message) => message.attempts)).toEqual([1, 0]);
    release();
  });

  it('rides out an unreachable database: logs once, and delivers when it is back', async () => {
    const t = setUp({ pollIntervalMs: 20 });
    let reachable = false;
    const flaky = (): Repositories => {
      if (!reachable) throw new Error('connect ECONNREFUSED');
      return t.memory;
    };
    const worker = createMailWorker({
      repositories: flaky,
      compose: createMailComposer({ clock: t.clock, config }),
      sender: { send: async (message) => void t.sent.push(message), close() {} },
      clock: t.clock,
      logger: t.log.logger,
      retryForSeconds: 3600,
      pollIntervalMs: 20,
    });
    running = worker;
    await createMailQueue({ clock: t.clock, wake: () => {} }).queue(t.memory, notice('patient@example.com'));
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // several failed polls
    expect(t.log.lines).toEqual([{ level: 'warn', message: 'Mail worker cannot reach the database; retrying' }]);
    reachable = true;
    await vi.waitFor(() => expect(t.sent).toHaveLength(1));
    expect(t.log.lines.at(-1)).toEqual({ level: 'info', message: 'Mail worker reaches the database again' });
  });

  it('leaves the claim to expire when the outcome cannot be recorded (sent again later: at least once)', async () => {
    const t = setUp();
    const failingMark: Repositories = {
      ...t.memory,
      outbox: {
        ...t.memory.outbox,
        markSent: async () => {
          throw new Error('connection lost');
        },
      },
    };
    const worker = createMailWorker({
      repositories: () => failingMark,
      compose: createMailComposer({ clock: t.clock, config }),
      sender: { send: async (message) => void t.sent.push(message), close() {} },
      clock: t.clock,
      logger: t.log.logger,
      retryForSeconds: 3600,
    });
    await t.queue.queue(t.memory, notice('twice@example.com'));
    await worker.idle();
    expect(t.log.lines.map((line) => line.message)).toEqual(['Mail outcome not recorded; retried after the lease']);
    t.clock.advance(120_000); // the lease ends
    await t.worker.idle();
    expect(t.sent.map((mail) => mail.to)).toEqual(['twice@example.com', 'twice@example.com']);
  });

  it('retries a kind it does not know (a newer instance queued it) and counts skipped mail', async () => {
    const t = setUp();
    await t.memory.outbox.enqueue({
      recipient: 'future@example.com',
      kind: 'from-the-future',
      payload: '{}',
      now: t.clock.now(),
    });
    await t.queue.queue(t.memory, { kind: 'password-reset', to: 'nobody@example.com' });
    await t.worker.idle();
    const [future, reset] = [...t.memory.state.outbox.values()];
    expect(future).toMatchObject({ sentAt: null, lastError: 'Unknown outbox message kind: from-the-future' });
    expect(reset?.sentAt).toEqual(t.clock.now());
    expect(t.outcomes.sort()).toEqual(['retry', 'skipped']);
    expect(t.sent).toEqual([]);
  });
});
