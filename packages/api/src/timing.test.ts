/**
 * The answers that must not reveal whether an account exists must not reveal it by their
 * timing either. Measured at a real bcrypt cost, comparing medians of interleaved runs
 * with a generous tolerance: these tests catch a path that skips bcrypt or does its slow
 * work inline, not differences of a few percent.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, type TestHarness } from './testing.js';

const runs = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

/** Median durations of two calls, run alternately (after a warm-up) so load affects both alike. */
async function compare(first: () => Promise<unknown>, second: () => Promise<unknown>, between = async () => {}) {
  await first();
  await second();
  await between();
  const times: [number[], number[]] = [[], []];
  for (let run = 0; run < runs; run++) {
    times[0].push(await timed(first));
    await between();
    times[1].push(await timed(second));
    await between();
  }
  return times.map(median) as [number, number];
}

describe.each(await testDialects())('response timing on %s', (dialect) => {
  let h: TestHarness;
  let email: string;
  beforeAll(async () => {
    h = await createTestHarness({ dialect, config: { bcryptCost: 8 } });
    ({ email } = await h.createUser({ email: `timing-${dialect}@example.com` }));
  });
  afterAll(() => h.close());

  it('answers a wrong password and an unknown email in similar time (bcrypt runs either way)', async () => {
    const wrongPassword = async () => rejectionOf(h.caller().auth.login({ email, password: 'not-the-right-password' }));
    const unknownEmail = async () =>
      rejectionOf(
        h.caller().auth.login({ email: `nobody-${dialect}@example.com`, password: 'not-the-right-password' }),
      );
    const [known, unknown] = await compare(wrongPassword, unknownEmail);
    // Skipping bcrypt for unknown accounts makes that path about ten times faster.
    expect(unknown / known).toBeGreaterThan(1 / 3);
    expect(unknown / known).toBeLessThan(3);
  });

  it('with REGISTER_ENUMERATION_SAFE, registers a taken and a new email in similar time (bcrypt either way)', async () => {
    const safe = await createTestHarness({ dialect, config: { bcryptCost: 8, registerEnumerationSafe: true } });
    try {
      const { email: taken } = await safe.createUser({ email: `taken-${dialect}@example.com` });
      let counter = 0;
      const register = (email: string) => () =>
        safe.caller().users.register({ email, password: 'plum-orbit-cascade-9' });
      const [existing, fresh] = await compare(
        register(taken),
        () => register(`new-${++counter}-${dialect}@example.com`)(),
        () => safe.core.idle(),
      );
      // Skipping bcrypt for a taken email would make that path about ten times faster.
      expect(existing / fresh).toBeGreaterThan(1 / 3);
      expect(existing / fresh).toBeLessThan(3);
    } finally {
      await safe.close();
    }
  });

  it('answers a password-reset request for a known and an unknown email in similar time', async () => {
    const knownEmail = () => h.caller().users.requestPasswordReset({ email });
    const unknownEmail = () => h.caller().users.requestPasswordReset({ email: `ghost-${dialect}@example.com` });
    // The mail for the known address goes out after the answer; it is let finish between
    // runs so neither measurement pays for the other's background work.
    const [known, unknown] = await compare(knownEmail, unknownEmail, () => h.core.idle());
    const [fast, slow] = [Math.min(known, unknown), Math.max(known, unknown)];
    expect(slow).toBeLessThan(3 * fast + 15);
  });
});
