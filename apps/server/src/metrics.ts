/**
 * Prometheus metrics through prom-client, in a registry of this server's own (no global
 * state): procedure calls by procedure and outcome with a latency histogram, logins by
 * result, rate-limit refusals by rule, mail attempts by outcome and the outbox's depth, and
 * prom-client's default process metrics. Calls are counted by the API's call observer, once per call on either
 * request path; the few requests refused before any procedure runs are counted by `refused`.
 */
import { type CallObserver, listProcedures, refusingRuleOf } from '@keyway/api';
import type { MailOutcome } from '@keyway/auth-core';
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The procedures whose outcome is a login's (the password step, and the second factor when it exists). */
const loginSteps: Record<string, string> = { 'auth.login': 'password', 'auth.verifyMfa': 'mfa' };
/** From a cached token check to a bcrypt login at production cost, and a slow database. */
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Every path that is not a procedure of the router is counted under this one label value. */
const unknownProcedure = 'unknown';

interface Increment {
  inc(value?: number): void;
}

/** The series of one procedure, made once, so a call only looks its own up. */
interface ProcedureSeries {
  ok: Increment;
  failures: Map<string, Increment>;
  duration: { observe(seconds: number): void };
}

function loginResult(error: TRPCError | null, data: unknown): string {
  if (!error) return (data as { mfaRequired?: unknown } | undefined)?.mfaRequired === true ? 'mfa_required' : 'success';
  if (error.code === 'UNAUTHORIZED') return 'failure';
  if (error.code === 'TOO_MANY_REQUESTS') return 'rate_limited';
  return error.code === 'BAD_REQUEST' ? 'invalid' : 'error';
}

export function createMetrics(options: { router: AnyTRPCRouter; rateLimitRules: readonly string[] }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  /** A counter in this server's registry (never prom-client's global one). */
  const counter = <T extends string>(name: string, help: string, labelNames: readonly T[]) =>
    new Counter({ name, help, labelNames, registers });
  const requests = counter(
    'keyway_trpc_requests_total',
    'Procedure calls by procedure (tRPC path) and outcome (ok, or the tRPC error code)',
    ['procedure', 'outcome'],
  );
  const duration = new Histogram({
    name: 'keyway_trpc_request_duration_seconds',
    help: 'Time from a procedure call’s rate-limit check to its answer, by procedure',
    labelNames: ['procedure'],
    buckets: durationBuckets,
    registers,
  });
  const logins = counter(
    'keyway_logins_total',
    'Login attempts by step (password, mfa) and result (success, mfa_required, failure, rate_limited, invalid, error)',
    ['step', 'result'],
  );
  const rateLimitRefusals = counter(
    'keyway_rate_limit_refusals_total',
    'Calls refused with TOO_MANY_REQUESTS, by the rule that refused them',
    ['rule'],
  );
  const mailAttempts = counter(
    'keyway_mail_attempts_total',
    'Outbox delivery attempts by outcome: sent, skipped (nothing to send any more), retry (failed, retried later), failed (given up)',
    ['outcome'],
  );
  let readMailDepth: (() => Promise<{ pending: number; failed: number }>) | undefined;
  // Registered in the registry, which reads it at each scrape.
  new Gauge({
    name: 'keyway_mail_outbox_messages',
    help: 'Messages in the outbox by state: pending (still to deliver) or failed (given up, kept a while); read from the database at each scrape',
    labelNames: ['state'],
    registers,
    async collect() {
      try {
        const depth = await readMailDepth?.();
        if (!depth) return;
        this.set({ state: 'pending' }, depth.pending);
        this.set({ state: 'failed' }, depth.failed);
      } catch {
        // The database is not answering (/healthz says so): no value rather than a stale one.
        this.reset();
      }
    },
  });

  // Known series start at zero, so rates and ratios exist before the first event.
  for (const rule of options.rateLimitRules) rateLimitRefusals.inc({ rule }, 0);
  const mailOutcomes: MailOutcome[] = ['sent', 'skipped', 'retry', 'failed'];
  for (const outcome of mailOutcomes) mailAttempts.inc({ outcome }, 0);
  for (const result of ['success', 'failure', 'rate_limited']) logins.inc({ step: 'password', result }, 0);

  const series = new Map<string, ProcedureSeries>();
  function seriesOf(procedure: string): ProcedureSeries {
    let found = series.get(procedure);
    if (!found) {
      found = {
        ok: requests.labels(procedure, 'ok'),
        failures: new Map(),
        duration: duration.labels(procedure),
      };
      series.set(procedure, found);
    }
    return found;
  }
  function failureOf(procedure: ProcedureSeries, name: string, code: string): Increment {
    let found = procedure.failures.get(code);
    if (!found) {
      found = requests.labels(name, code);
      procedure.failures.set(code, found);
    }
    return found;
  }
  const procedures = new Set(listProcedures(options.router).map(({ path }) => path));
  for (const procedure of procedures) seriesOf(procedure).ok.inc(0);

  /** Errors the observer has counted, so the server's error hooks do not count them twice. */
  const counted = new WeakSet<object>();

  const observer: CallObserver = {
    call(path, error, seconds, data) {
      const name = procedures.has(path) ? path : unknownProcedure;
      const procedure = seriesOf(name);
      procedure.duration.observe(seconds);
      if (error) {
        counted.add(error);
        failureOf(procedure, name, error.code).inc();
        if (error.code === 'TOO_MANY_REQUESTS') {
          rateLimitRefusals.inc({ rule: refusingRuleOf(error.cause) });
        }
      } else {
        procedure.ok.inc();
      }
      const step = loginSteps[path];
      if (step) logins.inc({ step, result: loginResult(error, data) });
    },
  };

  return {
    registry,
    observer,
    /**
     * A request to /trpc that failed before a procedure ran (an unknown path, malformed
     * input read by the server, a body too large); an error the observer already counted is skipped.
     */
    refused(path: string, error: { code: string }): void {
      if (counted.has(error)) return;
      const name = procedures.has(path) ? path : unknownProcedure;
      failureOf(seriesOf(name), name, error.code).inc();
    },
    /** Told the outcome of every outbox delivery attempt. */
    mailOutcome(outcome: MailOutcome): void {
      mailAttempts.inc({ outcome });
    },
    /** Where the outbox gauge reads its depth at each scrape. */
    trackMailDepth(read: () => Promise<{ pending: number; failed: number }>): void {
      readMailDepth = read;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
