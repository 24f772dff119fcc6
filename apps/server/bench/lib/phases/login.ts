/** Logins against bcrypt alone, and users.me latency while logins saturate the hashing pool. */
import { type BenchContext, log } from '../context.js';
import { assertClean, closedLoop, paced, type Session } from '../load.js';
import { runJob } from '../processes.js';
import type { LatencyFigures, LoginFigures } from '../raw.js';

/** Login against bcrypt alone, alternating reference and Keyway. */
export async function loginPhase(context: BenchContext, session: Session, pid: number): Promise<LoginFigures> {
  const { settings, bcryptCost: cost, loginConnections } = context.options;
  const warmupSeconds = Math.min(1, settings.warmupSeconds);
  const bcrypt = { kind: 'bcrypt' as const, cost };
  const floor = await runJob({
    ...bcrypt,
    sequentialCompares: settings.bcryptSequential,
    concurrency: 1,
    warmupSeconds: 0,
    seconds: 0.1,
  });
  log(`bcrypt.compare at cost ${cost}, one at a time: p50 ${floor.sequentialMs.p50.toFixed(1)} ms`);
  const load = (connections: number) => ({ connections, seconds: settings.loginSeconds, warmupSeconds });
  const latency = await closedLoop(context, 'auth.login, 1 connection', session.login, pid, load(1));
  const pool = await runJob({
    ...bcrypt,
    sequentialCompares: 0,
    concurrency: loginConnections,
    warmupSeconds,
    seconds: settings.loginSeconds,
  });
  log(`bcrypt pool, ${loginConnections} in flight: ${pool.comparesPerSecond.toFixed(2)} compares/s`);
  const throughput = await closedLoop(
    context,
    `auth.login, ${loginConnections} connections`,
    session.login,
    pid,
    load(loginConnections),
  );
  return { floor, pool, latency, throughput };
}

/** users.me latency at a steady rate, idle and while logins saturate the hashing pool. */
export async function latencyPhase(context: BenchContext, session: Session, pid: number): Promise<LatencyFigures> {
  const { settings, quick, loginConnections } = context.options;
  const idle = await paced(context, `users.me at ${settings.pacedRate}/s, idle`, session.me, pid);
  const lead = quick ? 0.5 : 1.5;
  const loginLoad = runJob({
    kind: 'closed',
    target: session.login,
    connections: loginConnections,
    warmupSeconds: lead,
    seconds: settings.warmupSeconds + settings.pacedSeconds + 0.5,
  });
  await new Promise((resolve) => setTimeout(resolve, lead * 1000));
  const underLogin = await paced(context, `users.me at ${settings.pacedRate}/s, under login load`, session.me, pid);
  const loginsMeanwhile = assertClean(await loginLoad, 'auth.login load during users.me');
  log(`logins meanwhile: ${loginsMeanwhile.perSecond.toFixed(2)} req/s`);
  return { idle, underLogin, loginsMeanwhile };
}
