/** `--profile`: where the time of one users.me goes, in Keyway and in the three ceilings. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchContext, keywayEnv } from '../context.js';
import { ceilingEnvOf, closedLoop, prepare } from '../load.js';
import { HarnessError, startCeiling, startKeyway } from '../processes.js';
import { formatProfile, monotonicUs, summarizeProfile, type Window } from '../profile.js';

export async function profilePhase(context: BenchContext): Promise<void> {
  const { settings, meConnections } = context.options;
  const dir = join(context.resultsDir, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // One folder per process: a process with tsx's loader thread writes one profile per thread.
  const prof = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, name)}`, '--cpu-prof-interval=250'];
  const databaseUrl = `sqlite:${join(context.workDir, 'profile.sqlite')}`;
  const server = await startKeyway({
    env: keywayEnv(context, databaseUrl),
    logFile: join(context.workDir, 'profile.log'),
    nodeArgs: prof('keyway'),
  });
  const session = await prepare(context, server.origin);
  const ceilingEnv = ceilingEnvOf(context, session);
  const framework = await startCeiling('ceiling-framework.ts', ceilingEnv, prof('framework'));
  const floor = await startCeiling('ceiling-trpc.ts', ceilingEnv, prof('floor'));
  const bare = await startCeiling('ceiling-bare.ts', ceilingEnv, prof('bare'));
  const rates: Record<string, number> = {};
  const windows: Record<string, Window> = {};
  for (const [name, pid, origin] of [
    ['keyway', server.pid, server.origin],
    ['framework', framework.pid, framework.origin],
    ['floor', floor.pid, floor.origin],
    ['bare', bare.pid, bare.origin],
  ] as const) {
    const startUs = monotonicUs();
    const load = { connections: meConnections, seconds: settings.profileSeconds, warmupSeconds: 1 };
    const result = await closedLoop(context, `profile ${name}`, { ...session.me, origin }, pid, load);
    windows[name] = { startUs, endUs: monotonicUs() };
    rates[name] = result.perSecond;
  }
  await server.stop();
  await framework.stop();
  await floor.stop();
  await bare.stop();
  const sections = ['# CPU profiles under the users.me load', ''];
  sections.push(
    `${settings.profileSeconds} s of users.me at ${meConnections} connections each (only the load window is ` +
      'summarised), profiled with --cpu-prof (250 µs sampling; throughput is lower than unprofiled): ' +
      Object.entries(rates)
        .map(([name, rate]) => `${name} ${rate.toFixed(0)} req/s`)
        .join(', '),
    '',
  );
  for (const name of Object.keys(rates)) {
    // The main thread's profile is the busiest one of the process.
    const [main] = readdirSync(join(dir, name))
      .filter((file) => file.endsWith('.cpuprofile'))
      .map((file) => summarizeProfile(join(dir, name, file), windows[name]))
      .sort((a, b) => b.busyMs - a.busyMs);
    if (!main) throw new HarnessError(`no CPU profile was written for ${name}`);
    sections.push(formatProfile(name, main), '');
  }
  writeFileSync(join(context.resultsDir, 'profile.md'), sections.join('\n'));
  console.log(`Profiles in ${dir}; summary in ${join(context.resultsDir, 'profile.md')}`);
}
