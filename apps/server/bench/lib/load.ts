/**
 * Load against one server, as the phases run it: the load account's session, closed-loop
 * and paced jobs in a worker process with the server's CPU and memory read around them.
 */
import { dataOf, mutation, query, type SignedIn } from '../../src/testing.js';
import { type BenchContext, log } from './context.js';
import type { HttpTarget, LoadResult } from './jobs.js';
import { cpuSeconds, rssMiB } from './proc.js';
import { HarnessError, runJob } from './processes.js';
import type { Measured } from './raw.js';

export interface Session {
  token: string;
  /** The server's exact `users.me` body. */
  meBody: string;
  me: HttpTarget;
  login: HttpTarget;
}

/** Registers the load account (unless `registered`), logs in, and reads `users.me` once. */
export async function prepare(context: BenchContext, origin: string, registered = false): Promise<Session> {
  const { account } = context;
  if (!registered) dataOf(await mutation(origin, 'users.register', account));
  const token = dataOf<SignedIn>(await mutation(origin, 'auth.login', account)).accessToken;
  const me = await query(origin, 'users.me', undefined, { token });
  if (me.status !== 200) throw new HarnessError(`users.me answered ${me.status}: ${me.text}`);
  return {
    token,
    meBody: me.text,
    me: { origin, path: '/trpc/users.me', method: 'GET', headers: { Authorization: `Bearer ${token}` } },
    login: {
      origin,
      path: '/trpc/auth.login',
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(account),
    },
  };
}

/** What the ceilings need: the same secret and claims checks, and Keyway's exact answer. */
export function ceilingEnvOf(context: BenchContext, session: Session): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    BENCH_CEILING: JSON.stringify({
      secret: context.jwtSecret,
      issuer: 'keyway',
      audience: 'keyway',
      data: (JSON.parse(session.meBody) as { result: { data: unknown } }).result.data,
    }),
  };
}

const total = (statuses: Record<string, number>) => Object.values(statuses).reduce((sum, n) => sum + n, 0);

/** A failed request, a non-200 or a timeout is a broken harness, never a slow figure. */
export function assertClean(result: LoadResult, label: string): LoadResult {
  const bad = Object.entries(result.statuses).filter(([status]) => status !== '200');
  if (bad.length > 0 || result.errors > 0 || result.timeouts > 0 || result.completed === 0) {
    throw new HarnessError(
      `${label}: ${result.completed} completed, statuses ${JSON.stringify(result.statuses)}, ` +
        `${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}

function noteRss(context: BenchContext, pid: number, after: string): number {
  const rss = rssMiB(pid);
  context.rssTimeline.push({ after, rssMiB: Math.round(rss * 10) / 10 });
  return rss;
}

/** `connections` keep-alive connections sending back to back (autocannon). */
export async function closedLoop(
  context: BenchContext,
  label: string,
  target: HttpTarget,
  pid: number,
  load: { connections: number; seconds: number; warmupSeconds?: number },
): Promise<Measured> {
  const warmupSeconds = load.warmupSeconds ?? context.options.settings.warmupSeconds;
  const cpuBefore = cpuSeconds(pid);
  const wallBefore = performance.now();
  const job = { kind: 'closed' as const, target, connections: load.connections, warmupSeconds, seconds: load.seconds };
  const result = assertClean(await runJob(job), label);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const wall = (performance.now() - wallBefore) / 1000;
  const cpuUsPerRequest = (cpu * 1e6) / total(result.statuses);
  const rss = noteRss(context, pid, label);
  log(
    `${label}: ${result.perSecond.toFixed(1)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, ` +
      `p99 ${result.latencyMs.p99.toFixed(2)} ms; server ${cpuUsPerRequest.toFixed(0)} µs CPU/req, ${rss.toFixed(0)} MiB`,
  );
  return { ...result, cpuUsPerRequest, cpuCores: cpu / wall };
}

/** A server in a rotation of users.me rounds (the throughput phase, `--compare`). */
export interface RoundServer {
  name: string;
  pid: number;
  target: HttpTarget;
  /** A Keyway (warmed longer: its JIT takes longer to settle) rather than a ceiling. */
  keyway: boolean;
}

/**
 * users.me on every server, warmed first (a quick run measures them cold), then in
 * `settings.rounds` rounds that each measure every server once in an order rotated by one,
 * so drift and other load hit them alike. Each round maps a server to its measurement.
 */
export async function alternatingRounds<Server extends RoundServer>(
  context: BenchContext,
  servers: Server[],
): Promise<Array<Map<Server, Measured>>> {
  const { settings, meConnections, quick } = context.options;
  for (const { name, pid, target, keyway } of quick ? [] : servers) {
    const seconds = keyway ? settings.serverWarmupSeconds : settings.ceilingWarmupSeconds;
    await closedLoop(context, `warm-up ${name}`, target, pid, {
      connections: meConnections,
      seconds,
      warmupSeconds: 0.2,
    });
  }
  const rounds: Array<Map<Server, Measured>> = [];
  for (let round = 0; round < settings.rounds; round++) {
    const measured = new Map<Server, Measured>();
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(i + round) % servers.length] as Server;
      const load = { connections: meConnections, seconds: settings.meSeconds };
      measured.set(
        server,
        await closedLoop(context, `round ${round + 1} ${server.name} users.me`, server.target, server.pid, load),
      );
    }
    rounds.push(measured);
  }
  return rounds;
}

/** An open loop at the configured rate: latency as a population of clients sees it. */
export async function paced(context: BenchContext, label: string, target: HttpTarget, pid: number) {
  const { settings, meConnections } = context.options;
  const result = assertClean(
    await runJob({
      kind: 'paced',
      target,
      ratePerSecond: settings.pacedRate,
      maxSockets: meConnections,
      warmupSeconds: settings.warmupSeconds,
      seconds: settings.pacedSeconds,
    }),
    label,
  );
  const rss = noteRss(context, pid, label);
  log(
    `${label}: p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, ` +
      `max ${result.latencyMs.max.toFixed(2)} ms; server ${rss.toFixed(0)} MiB`,
  );
  return result;
}
