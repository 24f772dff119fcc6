/** What the orchestrator asks of a worker process, and what it answers. */

export interface HttpTarget {
  /** Origin, e.g. http://127.0.0.1:4000 (only 127.0.0.1 is ever used). */
  origin: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** autocannon, closed loop: `connections` keep-alive connections each sending back to back. */
export interface ClosedLoopJob {
  kind: 'closed';
  target: HttpTarget;
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

/**
 * Open loop at a fixed rate, evenly spaced, over up to `maxSockets` keep-alive connections:
 * latency as a client population sees it, not throughput. (autocannon's own rate limit
 * sends each second's quota in a burst, and its histogram has 1 ms resolution.)
 */
export interface PacedJob {
  kind: 'paced';
  target: HttpTarget;
  ratePerSecond: number;
  maxSockets: number;
  warmupSeconds: number;
  seconds: number;
}

/** bcrypt alone: sequential compares (the floor of one login) and the pool's compares per second. */
export interface BcryptJob {
  kind: 'bcrypt';
  cost: number;
  sequentialCompares: number;
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
}

export type Job = ClosedLoopJob | PacedJob | BcryptJob;

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  kind: 'closed' | 'paced';
  /** Responses completed inside the measured window (after the warm-up). */
  completed: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds, with sub-millisecond resolution, over the measured window. */
  latencyMs: Latency;
  /** Every status seen, warm-up included. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

export interface BcryptResult {
  kind: 'bcrypt';
  sequentialMs: Latency;
  comparesPerSecond: number;
  completed: number;
  threadpoolSize: number;
}

export type JobResult = LoadResult | BcryptResult;

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; result: JobResult }
  | { type: 'error'; message: string };

export function summarize(samples: number[]): Latency {
  if (samples.length === 0)
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sum / sorted.length,
  };
}
