import { describe, expect, it } from 'vitest';
import { createBackgroundQueue } from './background.js';
import type { Logger } from './logger.js';

function recordingLogger() {
  const entries: { level: 'warn' | 'error'; object: Record<string, unknown>; message?: string }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (object, message) => entries.push({ level: 'warn', object: object as Record<string, unknown>, message }),
    error: (object, message) => entries.push({ level: 'error', object: object as Record<string, unknown>, message }),
  };
  return { logger, entries };
}

describe('the background queue', () => {
  it('runs a job after the caller has moved on, never during run()', async () => {
    const queue = createBackgroundQueue({ logger: recordingLogger().logger });
    let ran = false;
    queue.run('job', async () => {
      ran = true;
    });
    expect(ran).toBe(false);
    await queue.idle();
    expect(ran).toBe(true);
  });

  it('retries a failing job until it succeeds, logging each failure as a warning', async () => {
    const { logger, entries } = recordingLogger();
    const queue = createBackgroundQueue({ logger, attempts: 3, retryDelayMs: 1 });
    let calls = 0;
    queue.run('flaky mail', async () => {
      calls++;
      if (calls < 3) throw new Error(`SMTP down (${calls})`);
    });
    await queue.idle();
    expect(calls).toBe(3);
    expect(entries.map((entry) => [entry.level, entry.object.attempt])).toEqual([
      ['warn', 1],
      ['warn', 2],
    ]);
  });

  it('gives up after the last attempt, logs an error with the job and the cause, and never throws', async () => {
    const { logger, entries } = recordingLogger();
    const queue = createBackgroundQueue({ logger, attempts: 2, retryDelayMs: 1 });
    let calls = 0;
    const failure = new Error('SMTP refused');
    queue.run('verification email', async () => {
      calls++;
      throw failure;
    });
    await expect(queue.idle()).resolves.toBeUndefined();
    expect(calls).toBe(2);
    expect(entries.at(-1)).toEqual({
      level: 'error',
      object: { err: failure, job: 'verification email', attempts: 2 },
      message: 'Background job failed: verification email',
    });
  });

  it('keeps one failing job from affecting the others', async () => {
    const queue = createBackgroundQueue({ logger: recordingLogger().logger, attempts: 1 });
    const done: string[] = [];
    queue.run('fails', async () => {
      throw new Error('boom');
    });
    queue.run('succeeds', async () => {
      done.push('succeeds');
    });
    await queue.idle();
    expect(done).toEqual(['succeeds']);
  });

  it('idle() also waits for jobs queued while it was waiting', async () => {
    const queue = createBackgroundQueue({ logger: recordingLogger().logger });
    const done: string[] = [];
    queue.run('first', async () => {
      queue.run('second', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        done.push('second');
      });
      done.push('first');
    });
    await queue.idle();
    expect(done).toEqual(['first', 'second']);
  });

  it('idle() resolves at once when nothing is queued', async () => {
    await expect(createBackgroundQueue({ logger: recordingLogger().logger }).idle()).resolves.toBeUndefined();
  });
});
