/** Every raw figure a run collects, as written to bench-results/latest.json. */
import type { BcryptResult, LoadResult } from './jobs.js';

export interface Measured extends LoadResult {
  /** Server CPU (user + system) per request, whole job including warm-up. */
  cpuUsPerRequest: number;
  /** Server CPU seconds per wall second over the job (1.0 = one core busy). */
  cpuCores: number;
}

/**
 * One round of the users.me rotation: every server measured once. `keyway` is the default
 * (SQLite, HS256); `metrics` the same with METRICS=true, `es256` with JWT_ALGORITHM=ES256,
 * `postgresql` on a PostgreSQL database (when reachable and not skipped).
 */
export type ThroughputRound = Record<'keyway' | 'framework' | 'floor' | 'bare', Measured> &
  Partial<Record<'metrics' | 'es256' | 'postgresql', Measured>>;
export type ThroughputTarget = keyof ThroughputRound;

export interface DenylistFigures {
  /** Before the rows went in. */
  empty: Measured;
  full: Measured;
  /** After the rows were deleted again: with `empty`, brackets `full` against drift. */
  emptyAgain: Measured;
  rows: number;
  insertMs: number;
}

export interface LoginFigures {
  floor: BcryptResult;
  pool: BcryptResult;
  latency: Measured;
  throughput: Measured;
}

export interface LatencyFigures {
  idle: LoadResult;
  underLogin: LoadResult;
  loginsMeanwhile: LoadResult;
}

export interface SqliteRaw {
  firstStartMs: number;
  /** VmRSS right after the first healthy /healthz, before any load. */
  startedRssMiB: number;
  throughputRounds?: ThroughputRound[];
  login?: LoginFigures;
  latency?: LatencyFigures;
  denylist?: DenylistFigures;
  peakRssMiB?: number;
  logBytes?: number;
  coldStartsMs?: number[];
}

export interface Raw {
  /** Cores busy machine-wide while the benchmark was idle, before and after: other load. */
  backgroundCoresBefore?: number;
  backgroundCoresAfter?: number;
  sqlite?: SqliteRaw;
  postgresql?:
    | { firstStartMs: number; denylist: DenylistFigures; peakRssMiB: number; version: string }
    | { skipped: string };
  /** The server's VmRSS after each load job: where memory grows. */
  rssTimeline: Array<{ after: string; rssMiB: number }>;
}
