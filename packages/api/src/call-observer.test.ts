/**
 * The call observer: told once per procedure call, with the path, the outcome and the
 * answer, whether the call succeeds, is refused by a rate limit, fails validation or fails
 * authentication; and given the very error object the caller receives.
 */
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallObserver } from './call-observer.js';
import { RateLimitExceededError } from './rate-limit.js';
import { createTestHarness, rejectionOf, type TestHarness } from './testing.js';

function recorder() {
  const calls: Array<{ path: string; error: TRPCError | null; seconds: number; data: unknown }> = [];
  const observer: CallObserver = { call: (path, error, seconds, data) => calls.push({ path, error, seconds, data }) };
  return { calls, observer };
}

describe('the call observer', () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ rules: { loginIp: { max: 1, windowSeconds: 60 } } });
  });
  afterAll(() => h.close());

  it('is told each success with its path, duration and answer', async () => {
    const { session } = await h.loginAs();
    const { calls, observer } = recorder();
    const answer = await h.caller({ accessToken: session.accessToken, observer }).users.me();
    expect(calls).toEqual([{ path: 'users.me', error: null, seconds: expect.any(Number), data: answer }]);
    expect(calls[0]?.seconds).toBeGreaterThanOrEqual(0);
  });

  it('is told each failure with the very error the caller gets', async () => {
    const { calls, observer } = recorder();
    const unauthorized = await rejectionOf(h.caller({ observer }).users.me());
    const invalid = await rejectionOf(h.caller({ observer }).users.verifyEmail({ token: '' }));
    expect(calls.map(({ path, error }) => [path, error?.code])).toEqual([
      ['users.me', 'UNAUTHORIZED'],
      ['users.verifyEmail', 'BAD_REQUEST'],
    ]);
    expect(calls[0]?.error).toBe(unauthorized);
    expect(calls[1]?.error).toBe(invalid);
  });

  it('sees which rule refused a rate-limited call', async () => {
    const { calls, observer } = recorder();
    const clientIp = '198.51.100.77';
    const login = () => h.caller({ clientIp, observer }).auth.login({ email: 'x@example.com', password: 'whatever' });
    expect((await rejectionOf(login())).code).toBe('UNAUTHORIZED');
    expect((await rejectionOf(login())).code).toBe('TOO_MANY_REQUESTS');
    const refused = calls[1]?.error?.cause;
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect((refused as RateLimitExceededError).rule).toBe('loginIp');
  });
});
