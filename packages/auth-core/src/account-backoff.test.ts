import { describe, expect, it } from 'vitest';
// The backoff as the package exports it.
import {
  AuthError,
  backoffDelayMs,
  backoffForgetMs,
  backoffPendingStaleMs,
  createAccountBackoff,
  createManualClock,
  createMemoryBackoffCounter,
  defaultAccountBackoffRule,
} from './index.js';

const rule = { after: 3, maxSeconds: 10 };

function setup() {
  const clock = createManualClock(new Date('2026-03-01T12:00:00Z'));
  const backoff = createAccountBackoff(createMemoryBackoffCounter(rule), clock);
  let checks = 0;
  const attempt = (email: string, right: boolean) =>
    backoff.guard(email, async () => {
      checks += 1;
      return right;
    });
  return { clock, backoff, attempt, checks: () => checks };
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe('TOO_MANY_ATTEMPTS');
  return error as AuthError;
}

describe('per-account backoff', () => {
  it('doubles the delay from 1 s with each failure past the threshold, up to the cap', () => {
    expect([2, 3, 4, 5, 6, 7, 8].map((failures) => backoffDelayMs(rule, failures))).toEqual([
      0, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect(backoffDelayMs(defaultAccountBackoffRule, 1000)).toBe(15 * 60_000);
  });

  it('refuses before the secret is checked once the threshold is reached, even a right secret', async () => {
    const { attempt, checks } = setup();
    for (let i = 0; i < 3; i += 1) expect(await attempt('ada@example.com', false)).toBe(false);
    const error = await refusal(attempt('ada@example.com', true));
    expect(error.retryAfterSeconds).toBe(1);
    expect(checks()).toBe(3);
  });

  it('lets one attempt through after the delay, and doubles the delay when it fails', async () => {
    const { attempt, clock } = setup();
    for (let i = 0; i < 3; i += 1) await attempt('ada@example.com', false);
    clock.advance(1000);
    expect(await attempt('ada@example.com', false)).toBe(false);
    expect((await refusal(attempt('ada@example.com', true))).retryAfterSeconds).toBe(2);
    clock.advance(1999);
    await refusal(attempt('ada@example.com', true));
    clock.advance(1);
    expect(await attempt('ada@example.com', true)).toBe(true);
  });

  it('keys by the normalised email and keeps accounts apart', async () => {
    const { attempt } = setup();
    for (let i = 0; i < 3; i += 1) await attempt(i % 2 ? ' ADA@example.com ' : 'ada@example.com', false);
    await refusal(attempt('Ada@Example.com', true));
    expect(await attempt('bob@example.com', true)).toBe(true);
  });

  it('is ended by clear, and a right secret alone does not end it', async () => {
    const { attempt, backoff } = setup();
    for (let i = 0; i < 2; i += 1) await attempt('ada@example.com', false);
    expect(await attempt('ada@example.com', true)).toBe(true);
    await attempt('ada@example.com', false);
    await refusal(attempt('ada@example.com', true));
    await backoff.clear('ada@example.com');
    expect(await attempt('ada@example.com', false)).toBe(false);
  });

  it('lets no parallel burst past the threshold', async () => {
    const { backoff } = setup();
    let checks = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        backoff.guard('ada@example.com', async () => {
          checks += 1;
          await new Promise((resolve) => setTimeout(resolve, 5));
          return false;
        }),
      ),
    );
    expect(checks).toBe(3);
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(17);
  });

  it('does not count an attempt whose check threw', async () => {
    const { backoff, attempt } = setup();
    for (let i = 0; i < 5; i += 1) {
      await expect(
        backoff.guard('ada@example.com', async () => {
          throw new Error('database down');
        }),
      ).rejects.toThrow('database down');
    }
    expect(await attempt('ada@example.com', true)).toBe(true);
  });

  it('forgets failures a day after the last one, and sweeps forgotten accounts from memory', async () => {
    const { attempt, clock } = setup();
    for (let i = 0; i < 3; i += 1) await attempt('ada@example.com', false);
    clock.advance(backoffForgetMs + 1000);
    // Enough other accounts to run a sweep; each is a new entry.
    for (let i = 0; i < 1000; i += 1) await attempt(`user${i}@example.com`, true);
    expect(await attempt('ada@example.com', true)).toBe(true);
  });

  it('stops counting a reserved attempt never settled after a minute', async () => {
    const counter = createMemoryBackoffCounter(rule);
    for (let i = 0; i < 3; i += 1) await counter.begin('k', 0);
    expect(await counter.begin('k', 1000)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(await counter.begin('k', backoffPendingStaleMs + 1)).toEqual({ allowed: true });
  });
});
