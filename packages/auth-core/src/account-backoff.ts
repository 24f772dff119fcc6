/**
 * Per-account backoff across IPs: after `after` consecutive wrong secrets for one account
 * (keyed by the normalised email, whether or not the account exists), every further
 * attempt is refused until a delay has passed that doubles with each further failure
 * (1 s, 2 s, 4 s ... capped at `maxSeconds`). Refusal happens before the secret is
 * checked, so a botnet spreading its guesses over many addresses gains nothing.
 *
 * Written here rather than with rate-limiter-flexible: its limiters count hits in a fixed
 * window and cannot express "consecutive failures, then a doubling delay" as one atomic
 * step, and without one an attacker's parallel burst would all pass the check before the
 * first failure was counted. Attempts are therefore reserved before the check (`begin`)
 * and settled after it (`fail` / `release`), each one atomic step in the counter.
 *
 * Keyed by email rather than user id: a login is refused before the database is read, and an
 * unknown email is counted exactly like a known one. The cost: an email change leaves the
 * count on the old address, and the new one starts from its own (see README, per-account
 * backoff).
 */
import type { Clock } from './clock.js';
import { AuthError } from './errors.js';

export interface AccountBackoffRule {
  /** Consecutive failures before the delay starts (`LOGIN_BACKOFF_AFTER`). */
  after: number;
  /** The longest delay (`LOGIN_BACKOFF_MAX`). */
  maxSeconds: number;
}

export const defaultAccountBackoffRule: AccountBackoffRule = { after: 10, maxSeconds: 15 * 60 };

/** Failures are forgotten a day after the last one (and at once by success or reset). */
export const backoffForgetMs = 86_400_000;
/** A reserved attempt never settled (its instance died) stops counting after this. */
export const backoffPendingStaleMs = 60_000;

export type BackoffBegin = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Where the counts live: this process's memory, or a store every instance shares. */
export interface BackoffCounter {
  /** Atomically: refuses while a delay is in force; otherwise reserves one attempt. */
  begin(key: string, nowMs: number): Promise<BackoffBegin>;
  /** The reserved attempt failed: counts it and starts (or doubles) the delay from now. */
  fail(key: string, nowMs: number): Promise<void>;
  /** The reserved attempt ended without a wrong secret: it does not count. */
  release(key: string, nowMs: number): Promise<void>;
  /** Success: the account's failures are forgotten. */
  clear(key: string): Promise<void>;
}

/** One account's state, the same in memory and in the shared store. */
export interface BackoffState {
  failures: number;
  pending: number;
  pendingAt: number;
  until: number;
}

export const emptyBackoffState = (): BackoffState => ({ failures: 0, pending: 0, pendingAt: 0, until: 0 });

/** The delay after `failures` consecutive failures (0 below the threshold). */
export function backoffDelayMs(rule: AccountBackoffRule, failures: number): number {
  if (failures < rule.after) return 0;
  return Math.min(rule.maxSeconds * 1000, 1000 * 2 ** Math.min(failures - rule.after, 40));
}

/**
 * The rule as pure steps over one state, shared by the memory counter and (as the same
 * arithmetic in Lua) the Redis one. Below the threshold several attempts may run at once,
 * up to the failures still allowed; at or above it, one at a time.
 */
export const backoffSteps = {
  begin(rule: AccountBackoffRule, state: BackoffState, now: number): BackoffBegin {
    if (state.pending > 0 && now - state.pendingAt > backoffPendingStaleMs) state.pending = 0;
    if (now < state.until) return { allowed: false, retryAfterMs: state.until - now };
    if (state.pending > 0 && state.failures + state.pending >= rule.after)
      return { allowed: false, retryAfterMs: 1000 };
    state.pending += 1;
    state.pendingAt = now;
    return { allowed: true };
  },
  fail(rule: AccountBackoffRule, state: BackoffState, now: number): void {
    state.pending = Math.max(0, state.pending - 1);
    state.failures += 1;
    const delay = backoffDelayMs(rule, state.failures);
    if (delay > 0) state.until = now + delay;
  },
  release(state: BackoffState): void {
    state.pending = Math.max(0, state.pending - 1);
  },
};

/** Counts in this process's memory; expired entries are swept as new ones arrive. */
export function createMemoryBackoffCounter(rule: AccountBackoffRule): BackoffCounter {
  const entries = new Map<string, BackoffState & { expiresAt: number }>();
  let operations = 0;
  const entry = (key: string, now: number) => {
    if (++operations % 1000 === 0) {
      for (const [k, value] of entries) if (value.expiresAt <= now) entries.delete(k);
    }
    let state = entries.get(key);
    if (!state || state.expiresAt <= now) {
      state = { ...emptyBackoffState(), expiresAt: 0 };
      entries.set(key, state);
    }
    return state;
  };
  const touch = (state: BackoffState & { expiresAt: number }, now: number) => {
    state.expiresAt = Math.max(state.until, now) + backoffForgetMs;
  };
  return {
    async begin(key, now) {
      const state = entry(key, now);
      const answer = backoffSteps.begin(rule, state, now);
      touch(state, now);
      return answer;
    },
    async fail(key, now) {
      const state = entry(key, now);
      backoffSteps.fail(rule, state, now);
      touch(state, now);
    },
    async release(key, now) {
      const state = entries.get(key);
      if (state && state.expiresAt > now) backoffSteps.release(state);
    },
    async clear(key) {
      entries.delete(key);
    },
  };
}

/** What services use; keys are emails, normalised here. */
export interface AccountBackoff {
  /**
   * Runs one check of a secret (a password, a second-factor code) for the account of
   * `email`: refused with `TOO_MANY_ATTEMPTS` before `verify` runs while a delay is in
   * force; a false verdict counts as a failure; a true one is neutral — call `clear` when
   * it ends the sign-in (a right password that still needs a second factor does not).
   */
  guard(email: string, verify: () => Promise<boolean>): Promise<boolean>;
  /** Ends the account's backoff: a completed sign-in, a password reset. */
  clear(email: string): Promise<void>;
}

export const backoffKey = (email: string) => email.trim().toLowerCase();

export function createAccountBackoff(counter: BackoffCounter, clock: Clock): AccountBackoff {
  return {
    async guard(email, verify) {
      const key = backoffKey(email);
      const started = await counter.begin(key, clock.now().getTime());
      if (!started.allowed) {
        throw new AuthError('TOO_MANY_ATTEMPTS', {
          retryAfterSeconds: Math.max(1, Math.ceil(started.retryAfterMs / 1000)),
        });
      }
      let verdict: boolean;
      try {
        verdict = await verify();
      } catch (error) {
        await counter.release(key, clock.now().getTime());
        throw error;
      }
      if (verdict) await counter.release(key, clock.now().getTime());
      else await counter.fail(key, clock.now().getTime());
      return verdict;
    },
    clear: (email) => counter.clear(backoffKey(email)),
  };
}
