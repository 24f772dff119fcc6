/**
 * `pnpm bench` (method and every row: bench/README.md): a production-mode Keyway server,
 * measured in one run against references measured in the same run, by load generators in
 * processes of their own. Prints the table and writes bench-results/latest.{json,md}.
 *
 *   pnpm bench              full run (about 10 minutes), bcrypt cost 12 (the default)
 *   pnpm bench --quick      CI smoke run (~40 s): tiny durations, 10k deny-list rows, cost 10;
 *                           asserts nothing about timings, fails if the harness breaks
 *   pnpm bench --profile    no table: `--cpu-prof` of Keyway and the three ceilings under the
 *                           users.me load, summarised to bench-results/profile.md
 *   pnpm bench --compare=../before   no table: users.me of this checkout beside other built
 *                           checkouts and the bare ceiling, in alternating rounds (compare.md)
 *   --only=throughput,login,latency,denylist,coldstart,postgres   a subset, to iterate
 *   --cost=N  --no-build  --skip-postgres
 *   UV_THREADPOOL_SIZE, BENCH_SERVER_NODE_OPTIONS (NODE_OPTIONS of the Keyway server only)
 *
 * The modules under lib/ only define things; `main()` below is the one place that acts.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchContext, createContext, log } from './lib/context.js';
import { figuresOf } from './lib/figures.js';
import { parseOptions } from './lib/options.js';
import { comparePhase } from './lib/phases/compare.js';
import { postgresPhase, sqlitePhase } from './lib/phases/databases.js';
import { profilePhase } from './lib/phases/profile.js';
import { backgroundBusyCores } from './lib/proc.js';
import { HarnessError, serverDir, startWorkers, terminateAll } from './lib/processes.js';
import type { Raw } from './lib/raw.js';
import { writeReport } from './lib/report.js';

/** Ends every child, runs the cleanup steps (last added first), removes the scratch folder. */
async function cleanUp(context: BenchContext): Promise<void> {
  await terminateAll();
  for (const step of context.cleanups.reverse()) {
    try {
      await step();
    } catch (error) {
      console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  rmSync(context.workDir, { recursive: true, force: true });
}

async function measure(context: BenchContext): Promise<void> {
  const { options } = context;
  const started = new Date();
  if (options.build) {
    log('building @keyway/server (turbo, cached when unchanged)');
    const build = spawnSync('pnpm', ['turbo', 'run', 'build', '--filter=@keyway/server', '--output-logs=errors-only'], {
      cwd: join(serverDir, '../..'),
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new HarnessError('the build failed');
  }
  if (options.profile) return profilePhase(context);
  if (options.compare.length > 0) return comparePhase(context);
  const raw: Raw = { rssTimeline: context.rssTimeline };
  // Two load workers: one for every job, a second for the login load under the latency run.
  await startWorkers(2);
  raw.backgroundCoresBefore = await backgroundBusyCores(options.quick ? 300 : 2000);
  log(`machine-wide CPU busy before the run (benchmark idle): ${raw.backgroundCoresBefore.toFixed(2)} cores`);
  const sqliteSections = ['throughput', 'login', 'latency', 'denylist', 'coldstart'] as const;
  if (sqliteSections.some((section) => options.wants(section))) await sqlitePhase(context, raw);
  if (options.wants('postgres')) await postgresPhase(context, raw);
  raw.backgroundCoresAfter = await backgroundBusyCores(options.quick ? 300 : 2000);
  const figures = figuresOf(raw, options);
  writeReport(context, raw, figures, started);
  const broken = figures.filter(
    (figure) => figure.goal !== undefined && !Number.isFinite(figure.ratio ?? figure.value),
  );
  if (broken.length > 0) throw new HarnessError(`no value for: ${broken.map((figure) => figure.measure).join('; ')}`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (typeof options === 'string') {
    console.error(options);
    return 2;
  }
  const context = createContext(options);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark and cleaning up`);
      void cleanUp(context).finally(() => process.exit(130));
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`The benchmark exceeded ${options.settings.watchdogMinutes} minutes; aborting`);
    void cleanUp(context).finally(() => process.exit(1));
  }, options.settings.watchdogMinutes * 60_000);
  try {
    await measure(context);
    return 0;
  } catch (error) {
    console.error(
      error instanceof HarnessError
        ? `Benchmark harness failed: ${error.message}`
        : `Benchmark crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 1;
  } finally {
    clearTimeout(watchdog);
    await cleanUp(context);
  }
}

void main().then((code) => process.exit(code));
