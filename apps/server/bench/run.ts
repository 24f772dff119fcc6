/**
 * `pnpm bench` (method: bench/README.md): a production-mode Keyway server, measured in
 * one run against references measured in the same run, by load generators in processes of
 * their own. Prints the table and writes bench-results/latest.{json,md}. See bench/README.md.
 *
 *   pnpm bench              full run (about 6 minutes), bcrypt cost 12 (the default)
 *   pnpm bench --quick      CI smoke run (~25 s): tiny durations, 10k deny-list rows, cost 10;
 *                           asserts nothing about timings, fails if the harness breaks
 *   pnpm bench --profile    no table: `--cpu-prof` of Keyway and both ceilings under the
 *                           users.me load, summarised to bench-results/profile.md
 *   --only=throughput,login,latency,denylist,coldstart,postgres   a subset, to iterate
 *   --cost=N  --no-build  --skip-postgres
 *   UV_THREADPOOL_SIZE, BENCH_SERVER_NODE_OPTIONS (NODE_OPTIONS of the Keyway server only)
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPem, type Orm, openOrm } from '@keyway/auth-core';
import { isReachable, postgresAdminUrl } from '@keyway/auth-core/testing';
import type { BcryptResult, HttpTarget, LoadResult } from './lib/jobs.js';
import {
  backgroundBusyCores,
  cpuSeconds,
  HarnessError,
  type KeywayProcess,
  peakRssMiB,
  rssMiB,
  runJob,
  serverDir,
  startCeiling,
  startKeyway,
  startWorkers,
  terminateAll,
} from './lib/processes.js';
import { formatProfile, monotonicUs, summarizeProfile, type Window } from './lib/profile.js';
import { type Figure, formatConsoleTable, formatMarkdownTable } from './lib/report.js';

// ---------------------------------------------------------------------------------------
// Options

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const sectionNames = ['throughput', 'login', 'latency', 'denylist', 'coldstart', 'postgres'] as const;
type Section = (typeof sectionNames)[number];
const known = /^--(quick|profile|no-build|skip-postgres|cost=\d+|only=[a-z,]+)$/;
for (const arg of args) {
  if (!known.test(arg)) {
    console.error(
      `Unknown argument ${arg}\nUsage: pnpm bench [--quick] [--profile] [--cost=N] [--no-build] [--skip-postgres] [--only=${sectionNames.join(',')}]`,
    );
    process.exit(2);
  }
}
const only = option('only')?.split(',') ?? [...sectionNames];
for (const name of only) {
  if (!(sectionNames as readonly string[]).includes(name)) {
    console.error(`Unknown section ${name}; sections: ${sectionNames.join(', ')}`);
    process.exit(2);
  }
}
const wants = (section: Section) => only.includes(section) && !(section === 'postgres' && flag('skip-postgres'));
const quick = flag('quick');
const profileMode = flag('profile');

const settings = quick
  ? {
      cost: 10,
      warmupSeconds: 0.3,
      serverWarmupSeconds: 0,
      ceilingWarmupSeconds: 0,
      meSeconds: 0.5,
      rounds: 1,
      loginSeconds: 0.8,
      bcryptSequential: 3,
      pacedRate: 100,
      pacedSeconds: 0.8,
      denyRows: 10_000,
      denySeconds: 0.5,
      coldStarts: 1,
      profileSeconds: 1,
      watchdogMinutes: 4,
    }
  : {
      cost: 12,
      warmupSeconds: 2,
      // Keyway's CPU per request kept falling for ~20 s of load when this was written (the JIT
      // reaching the ORM and driver code); the ceilings settle in a second or two.
      serverWarmupSeconds: 20,
      ceilingWarmupSeconds: 3,
      meSeconds: 5,
      rounds: 3,
      loginSeconds: 10,
      bcryptSequential: 25,
      pacedRate: 200,
      pacedSeconds: 10,
      denyRows: 1_000_000,
      denySeconds: 8,
      coldStarts: 3,
      profileSeconds: 10,
      watchdogMinutes: 25,
    };
const bcryptCost = Number(option('cost') ?? settings.cost);
const meConnections = 10;
const loginConnections = 8;

const resultsDir = join(serverDir, 'bench-results');
const workDir = mkdtempSync(join(os.tmpdir(), 'keyway-bench-'));
const jwtSecret = randomBytes(48).toString('base64url');
const account = { email: 'load@example.com', password: 'Correct-Horse-Battery-9' };

// ---------------------------------------------------------------------------------------
// Cleanup: children, PostgreSQL databases, the temp folder — on success, failure or signal

const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await terminateAll();
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the benchmark and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

const watchdog = setTimeout(() => {
  console.error(`The benchmark exceeded ${settings.watchdogMinutes} minutes; aborting`);
  void cleanup().finally(() => process.exit(1));
}, settings.watchdogMinutes * 60_000);

// ---------------------------------------------------------------------------------------
// Helpers

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const total = (statuses: Record<string, number>) => Object.values(statuses).reduce((sum, n) => sum + n, 0);

function keywayEnv(databaseUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
    // Node flags for the Keyway server only (e.g. V8 heap sizing experiments).
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    BCRYPT_COST: String(bcryptCost),
    LOG_LEVEL: 'info',
    MAIL_TRANSPORT: 'console',
    // High enough never to trip, so the limiter is exercised on every call but never refuses.
    RATE_LIMIT_DEFAULT_IP: '1000000000/1m',
    RATE_LIMIT_LOGIN_IP: '1000000000/1m',
    RATE_LIMIT_LOGIN_ACCOUNT: '1000000000/15m',
    RATE_LIMIT_REGISTER_IP: '1000/1h',
    RATE_LIMIT_RESET_IP: '1000/1h',
  };
}

/** A failed request, a non-200 or a timeout is a broken harness, never a slow figure. */
function assertClean(result: LoadResult, label: string): LoadResult {
  const bad = Object.entries(result.statuses).filter(([status]) => status !== '200');
  if (bad.length > 0 || result.errors > 0 || result.timeouts > 0 || result.completed === 0) {
    throw new HarnessError(
      `${label}: ${result.completed} completed, statuses ${JSON.stringify(result.statuses)}, ` +
        `${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}

async function call(origin: string, path: string, options: { input?: unknown; token?: string } = {}) {
  const response = await fetch(`${origin}/trpc/${path}`, {
    method: options.input === undefined ? 'GET' : 'POST',
    headers: {
      ...(options.input === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.input === undefined ? undefined : JSON.stringify(options.input),
  });
  const text = await response.text();
  if (response.status !== 200) throw new HarnessError(`${path} answered ${response.status}: ${text}`);
  return text;
}

interface Session {
  token: string;
  /** Keyway's exact `users.me` body. */
  meBody: string;
  me: HttpTarget;
  login: HttpTarget;
}

type LoginAnswer = { result: { data: { accessToken: string } } };

/** Registers the load account, logs in, and reads `users.me` once. */
async function prepare(origin: string): Promise<Session> {
  await call(origin, 'users.register', { input: account });
  const login = JSON.parse(await call(origin, 'auth.login', { input: account })) as LoginAnswer;
  const token = login.result.data.accessToken;
  const meBody = await call(origin, 'users.me', { token });
  return {
    token,
    meBody,
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
function ceilingEnvOf(session: Session): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    BENCH_CEILING: JSON.stringify({
      secret: jwtSecret,
      issuer: 'keyway',
      audience: 'keyway',
      data: (JSON.parse(session.meBody) as { result: { data: unknown } }).result.data,
    }),
  };
}

const rssTimeline: Raw['rssTimeline'] = [];

function noteRss(pid: number, after: string): number {
  const rss = rssMiB(pid);
  rssTimeline.push({ after, rssMiB: Math.round(rss * 10) / 10 });
  return rss;
}

interface Measured extends LoadResult {
  /** Server CPU (user + system) per request, whole job including warm-up. */
  cpuUsPerRequest: number;
  /** Server CPU seconds per wall second over the job (1.0 = one core busy). */
  cpuCores: number;
}

async function closedLoop(
  label: string,
  target: HttpTarget,
  pid: number,
  connections: number,
  seconds: number,
  warmupSeconds = settings.warmupSeconds,
): Promise<Measured> {
  const cpuBefore = cpuSeconds(pid);
  const wallBefore = performance.now();
  const result = assertClean(await runJob({ kind: 'closed', target, connections, warmupSeconds, seconds }), label);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const wall = (performance.now() - wallBefore) / 1000;
  const cpuUsPerRequest = (cpu * 1e6) / total(result.statuses);
  const rss = noteRss(pid, label);
  log(
    `${label}: ${result.perSecond.toFixed(1)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, ` +
      `p99 ${result.latencyMs.p99.toFixed(2)} ms; server ${cpuUsPerRequest.toFixed(0)} µs CPU/req, ${rss.toFixed(0)} MiB`,
  );
  return { ...result, cpuUsPerRequest, cpuCores: cpu / wall };
}

async function paced(label: string, target: HttpTarget, pid: number): Promise<LoadResult> {
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
  const rss = noteRss(pid, label);
  log(
    `${label}: p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, ` +
      `max ${result.latencyMs.max.toFixed(2)} ms; server ${rss.toFixed(0)} MiB`,
  );
  return result;
}

const sqliteDenylistInsert = (rows: number, expiresAtMs: number) =>
  'with recursive n(i) as (select 1 union all select i + 1 from n where i < ' +
  `${Math.trunc(rows)}) ` +
  'insert into token_denylist (jti, expires_at) select ' +
  "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || " +
  "substr('89ab', 1 + abs(random() % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), " +
  `${Math.trunc(expiresAtMs)} from n`;

const postgresDenylistInsert = (rows: number) =>
  'insert into token_denylist (jti, expires_at) ' +
  `select gen_random_uuid(), now() + interval '1 day' from generate_series(1, ${Math.trunc(rows)})`;

/** Fills the deny list of a database the server has migrated, in one statement. */
async function fillDenylist(databaseUrl: string, rows: number): Promise<{ ms: number; count: number }> {
  const orm = await openOrm({ databaseUrl, poolMax: 1 });
  try {
    const connection = orm.em.getConnection();
    const started = performance.now();
    if (databaseUrl.startsWith('sqlite:')) {
      await connection.execute('pragma cache_size = -262144');
      await connection.execute(sqliteDenylistInsert(rows, Date.now() + 86_400_000), [], 'run');
    } else {
      await connection.execute('set statement_timeout = 0');
      await connection.execute(postgresDenylistInsert(rows));
      await connection.execute('analyze token_denylist');
    }
    const ms = performance.now() - started;
    const [row] = await connection.execute<Array<{ count: number | string }>>(
      'select count(*) as count from token_denylist',
    );
    return { ms, count: Number(row?.count) };
  } finally {
    await orm.close(true);
  }
}

async function clearDenylist(databaseUrl: string): Promise<void> {
  const orm = await openOrm({ databaseUrl, poolMax: 1 });
  try {
    await orm.em.getConnection().execute('delete from token_denylist', [], 'run');
  } finally {
    await orm.close(true);
  }
}

// ---------------------------------------------------------------------------------------
// Phases

interface DenylistFigures {
  /** Before the rows went in. */
  empty: Measured;
  full: Measured;
  /** After the rows were deleted again: with `empty`, brackets `full` against drift. */
  emptyAgain: Measured;
  rows: number;
  insertMs: number;
}

/** `metrics`: the same server with METRICS=true; `es256`: with JWT_ALGORITHM=ES256 (full runs only). */
type ThroughputRound = Record<'keyway' | 'framework' | 'bare', Measured> & { metrics?: Measured; es256?: Measured };

interface LoginFigures {
  floor: BcryptResult;
  pool: BcryptResult;
  latency: Measured;
  throughput: Measured;
}

interface LatencyFigures {
  idle: LoadResult;
  underLogin: LoadResult;
  loginsMeanwhile: LoadResult;
}

interface SqliteRaw {
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

interface Raw {
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

async function denylistPhase(
  label: string,
  server: KeywayProcess,
  session: Session,
  databaseUrl: string,
): Promise<DenylistFigures> {
  const seconds = settings.denySeconds;
  const empty = await closedLoop(`${label} users.me, empty deny list`, session.me, server.pid, meConnections, seconds);
  log(`${label}: inserting ${settings.denyRows.toLocaleString('en')} deny-list rows`);
  const fill = await fillDenylist(databaseUrl, settings.denyRows);
  if (fill.count < settings.denyRows) throw new HarnessError(`${label}: deny list has ${fill.count} rows`);
  log(`${label}: ${fill.count.toLocaleString('en')} rows in ${(fill.ms / 1000).toFixed(1)} s`);
  const full = await closedLoop(
    `${label} users.me, ${fill.count.toLocaleString('en')}-row deny list`,
    session.me,
    server.pid,
    meConnections,
    seconds,
  );
  // The token under load must still be accepted (the rows are other tokens).
  await call(session.me.origin, 'users.me', { token: session.token });
  await clearDenylist(databaseUrl);
  const emptyAgain = await closedLoop(
    `${label} users.me, deny list emptied again`,
    session.me,
    server.pid,
    meConnections,
    seconds,
  );
  return { empty, full, emptyAgain, rows: fill.count, insertMs: fill.ms };
}

async function throughputSection(
  session: Session,
  server: KeywayProcess,
  databaseUrl: string,
): Promise<ThroughputRound[]> {
  const ceilingEnv = ceilingEnvOf(session);
  const [framework, bare, withMetrics, withEs256] = await Promise.all([
    startCeiling('ceiling-framework.ts', ceilingEnv),
    startCeiling('ceiling-bare.ts', ceilingEnv),
    // What counting costs users.me: a second Keyway on the same database with METRICS=true.
    // Left out of --quick, whose figures are not read.
    quick
      ? null
      : startKeyway({
          env: { ...keywayEnv(databaseUrl), METRICS: 'true' },
          logFile: join(workDir, 'keyway-metrics.log'),
        }),
    // What ES256 costs users.me (its verify is slower than HS256's): a third Keyway on the same database.
    quick
      ? null
      : startKeyway({
          env: { ...keywayEnv(databaseUrl), JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: generateSigningKeyPem() },
          logFile: join(workDir, 'keyway-es256.log'),
        }),
  ]);
  try {
    // The ES256 instance's own token: it refuses the HS256 one, as it must.
    const es256Token = withEs256
      ? (JSON.parse(await call(withEs256.origin, 'auth.login', { input: account })) as LoginAnswer).result.data
          .accessToken
      : null;
    const targets: Array<{ name: keyof ThroughputRound; pid: number; target: HttpTarget }> = [
      { name: 'keyway', pid: server.pid, target: session.me },
      ...(withMetrics
        ? [{ name: 'metrics' as const, pid: withMetrics.pid, target: { ...session.me, origin: withMetrics.origin } }]
        : []),
      ...(withEs256 && es256Token
        ? [
            {
              name: 'es256' as const,
              pid: withEs256.pid,
              target: { ...session.me, origin: withEs256.origin, headers: { Authorization: `Bearer ${es256Token}` } },
            },
          ]
        : []),
      { name: 'framework', pid: framework.pid, target: { ...session.me, origin: framework.origin } },
      { name: 'bare', pid: bare.pid, target: { ...session.me, origin: bare.origin } },
    ];
    for (const { name, target } of targets) {
      const token = target.headers.Authorization?.slice('Bearer '.length) ?? session.token;
      const body = await call(target.origin, 'users.me', { token });
      if (body !== session.meBody) throw new HarnessError(`the ${name} ceiling answers ${body}, not ${session.meBody}`);
    }
    // Warm every server's JIT, then alternate them so drift hits them alike.
    if (!quick) {
      for (const { name, pid, target } of targets) {
        const keyway = name === 'keyway' || name === 'metrics' || name === 'es256';
        const seconds = keyway ? settings.serverWarmupSeconds : settings.ceilingWarmupSeconds;
        await closedLoop(`warm-up ${name}`, target, pid, meConnections, seconds, 0.2);
      }
    }
    const rounds: ThroughputRound[] = [];
    for (let round = 0; round < settings.rounds; round++) {
      const measured: Partial<ThroughputRound> = {};
      for (let i = 0; i < targets.length; i++) {
        const entry = targets[(i + round) % targets.length];
        if (!entry) continue;
        measured[entry.name] = await closedLoop(
          `round ${round + 1} ${entry.name} users.me`,
          entry.target,
          entry.pid,
          meConnections,
          settings.meSeconds,
        );
      }
      rounds.push(measured as ThroughputRound);
    }
    return rounds;
  } finally {
    await framework.stop();
    await bare.stop();
    await withMetrics?.stop();
    await withEs256?.stop();
  }
}

/** Login against bcrypt alone, alternating reference and Keyway. */
async function loginSection(session: Session, server: KeywayProcess): Promise<LoginFigures> {
  const loginWarmup = Math.min(1, settings.warmupSeconds);
  const floor = await runJob({
    kind: 'bcrypt',
    cost: bcryptCost,
    sequentialCompares: settings.bcryptSequential,
    concurrency: 1,
    warmupSeconds: 0,
    seconds: 0.1,
  });
  log(`bcrypt.compare at cost ${bcryptCost}, one at a time: p50 ${floor.sequentialMs.p50.toFixed(1)} ms`);
  const latency = await closedLoop(
    'auth.login, 1 connection',
    session.login,
    server.pid,
    1,
    settings.loginSeconds,
    loginWarmup,
  );
  const pool = await runJob({
    kind: 'bcrypt',
    cost: bcryptCost,
    sequentialCompares: 0,
    concurrency: loginConnections,
    warmupSeconds: loginWarmup,
    seconds: settings.loginSeconds,
  });
  log(`bcrypt pool, ${loginConnections} in flight: ${pool.comparesPerSecond.toFixed(2)} compares/s`);
  const throughput = await closedLoop(
    `auth.login, ${loginConnections} connections`,
    session.login,
    server.pid,
    loginConnections,
    settings.loginSeconds,
    loginWarmup,
  );
  return { floor, pool, latency, throughput };
}

/** users.me latency at a steady rate, idle and while logins saturate the hashing pool. */
async function latencySection(session: Session, server: KeywayProcess): Promise<LatencyFigures> {
  const idle = await paced(`users.me at ${settings.pacedRate}/s, idle`, session.me, server.pid);
  const pacedSpan = settings.warmupSeconds + settings.pacedSeconds;
  const lead = quick ? 0.5 : 1.5;
  const loginLoad = runJob({
    kind: 'closed',
    target: session.login,
    connections: loginConnections,
    warmupSeconds: lead,
    seconds: pacedSpan + 0.5,
  });
  await new Promise((resolve) => setTimeout(resolve, lead * 1000));
  const underLogin = await paced(`users.me at ${settings.pacedRate}/s, under login load`, session.me, server.pid);
  const loginsMeanwhile = assertClean(await loginLoad, 'auth.login load during users.me');
  log(`logins meanwhile: ${loginsMeanwhile.perSecond.toFixed(2)} req/s`);
  return { idle, underLogin, loginsMeanwhile };
}

async function sqlitePhase(raw: Raw): Promise<void> {
  const databaseUrl = `sqlite:${join(workDir, 'keyway.sqlite')}`;
  const logFile = join(workDir, 'keyway-sqlite.log');
  log(`SQLite: starting Keyway (NODE_ENV=production, BCRYPT_COST=${bcryptCost}, LOG_LEVEL=info to a file)`);
  const server = await startKeyway({ env: keywayEnv(databaseUrl), logFile });
  const sqlite: SqliteRaw = { firstStartMs: server.coldStartMs, startedRssMiB: rssMiB(server.pid) };
  raw.sqlite = sqlite;
  const session = await prepare(server.origin);

  if (wants('throughput')) sqlite.throughputRounds = await throughputSection(session, server, databaseUrl);
  if (wants('login')) sqlite.login = await loginSection(session, server);
  if (wants('latency')) sqlite.latency = await latencySection(session, server);
  if (wants('denylist')) {
    if (!wants('throughput') && settings.serverWarmupSeconds > 0) {
      await closedLoop('warm-up keyway', session.me, server.pid, meConnections, settings.serverWarmupSeconds, 0.2);
    }
    sqlite.denylist = await denylistPhase('SQLite', server, session, databaseUrl);
  }
  sqlite.peakRssMiB = peakRssMiB(server.pid);
  await server.stop();
  sqlite.logBytes = statSync(logFile).size;

  if (wants('coldstart')) {
    sqlite.coldStartsMs = [];
    for (let i = 0; i < settings.coldStarts; i++) {
      const restarted = await startKeyway({ env: keywayEnv(databaseUrl), logFile });
      sqlite.coldStartsMs.push(restarted.coldStartMs);
      log(`cold start ${i + 1}: ${restarted.coldStartMs.toFixed(0)} ms`);
      await restarted.stop();
    }
  }
}

async function postgresPhase(raw: Raw): Promise<void> {
  if (!(await isReachable(postgresAdminUrl))) {
    if (process.env.CI === 'true') throw new HarnessError(`PostgreSQL is not reachable at ${postgresAdminUrl}`);
    log(`PostgreSQL is not reachable at ${postgresAdminUrl}; skipping its figures`);
    raw.postgresql = { skipped: 'PostgreSQL not reachable' };
    return;
  }
  const admin: Orm = await openOrm({ databaseUrl: postgresAdminUrl, poolMax: 1 });
  cleanups.push(() => admin.close(true));
  const name = `keyway_bench_${randomBytes(5).toString('hex')}`;
  await admin.em.getConnection().execute(`create database ${name}`);
  cleanups.push(async () => {
    await admin.em.getConnection().execute(`drop database if exists ${name} with (force)`);
    log(`dropped PostgreSQL database ${name}`);
  });
  const [versionRow] = await admin.em.getConnection().execute<Array<{ server_version: string }>>('show server_version');
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();

  log(`PostgreSQL: starting Keyway on ${name}`);
  const server = await startKeyway({ env: keywayEnv(databaseUrl), logFile: join(workDir, 'keyway-postgresql.log') });
  const session = await prepare(server.origin);
  await closedLoop(
    'warm-up PostgreSQL users.me',
    session.me,
    server.pid,
    meConnections,
    quick ? settings.warmupSeconds : settings.serverWarmupSeconds,
    0.2,
  );
  const denylist = await denylistPhase('PostgreSQL', server, session, databaseUrl);
  const rss = peakRssMiB(server.pid);
  await server.stop();
  raw.postgresql = {
    firstStartMs: server.coldStartMs,
    denylist,
    peakRssMiB: rss,
    version: versionRow?.server_version ?? 'unknown',
  };
}

// ---------------------------------------------------------------------------------------
// Figures

type Goal = (value: number) => Pick<Figure, 'goal' | 'met'>;
/** A goal stated once: the label the table prints and the test it stands for. */
const atLeast =
  (min: number, label = `≥ ${min.toFixed(2)}`): Goal =>
  (value) => ({ goal: label, met: value >= min });
const atMost =
  (max: number): Goal =>
  (value) => ({ goal: `≤ ${max.toFixed(2)}`, met: value <= max });
const under =
  (limit: number): Goal =>
  (value) => ({ goal: `< ${limit}`, met: value < limit });

/** A figure judged on its ratio to the reference measured beside it. */
function ratioFigure(figure: Figure & { reference: NonNullable<Figure['reference']> }, goal: Goal): Figure {
  const ratio = figure.value / figure.reference.value;
  return { ...figure, ratio, ...goal(ratio) };
}

function figuresOf(raw: Raw): Figure[] {
  const figures: Figure[] = [];
  const s = raw.sqlite;
  const rounds = s?.throughputRounds;
  if (rounds) {
    const me = median(rounds.map((round) => round.keyway.perSecond));
    const framework = median(rounds.map((round) => round.framework.perSecond));
    const bare = median(rounds.map((round) => round.bare.perSecond));
    const cpu = (name: 'keyway' | 'framework' | 'bare') => median(rounds.map((round) => round[name].cpuUsPerRequest));
    figures.push(
      ratioFigure(
        {
          measure: `users.me throughput, ${meConnections} conns (SQLite)`,
          value: me,
          unit: 'req/s',
          reference: { name: 'framework ceiling', value: framework, unit: 'req/s' },
        },
        atLeast(0.8),
      ),
      ratioFigure(
        {
          measure: `users.me throughput, ${meConnections} conns (SQLite)`,
          value: me,
          unit: 'req/s',
          reference: { name: 'bare node:http ceiling', value: bare, unit: 'req/s' },
        },
        atLeast(0.3),
      ),
      {
        measure: 'users.me server CPU per request',
        value: cpu('keyway'),
        unit: 'µs',
        reference: { name: `framework ${cpu('framework').toFixed(0)} µs, bare`, value: cpu('bare'), unit: 'µs' },
        ratio: cpu('framework') / cpu('keyway'),
        note: 'informational: server CPU time / requests served; ratio = framework / Keyway, a noise-robust view of the first row',
      },
    );
  }
  const withMetrics = rounds?.flatMap((round) => (round.metrics ? [round.metrics.perSecond] : []));
  if (rounds && withMetrics?.length) {
    figures.push(
      ratioFigure(
        {
          measure: `users.me throughput with METRICS=true, ${meConnections} conns (SQLite)`,
          value: median(withMetrics),
          unit: 'req/s',
          reference: {
            name: 'the same, METRICS off',
            value: median(rounds.map((round) => round.keyway.perSecond)),
            unit: 'req/s',
          },
        },
        atLeast(0.95),
      ),
    );
  }
  const withEs256 = rounds?.flatMap((round) => (round.es256 ? [round.es256.perSecond] : []));
  if (rounds && withEs256?.length) {
    const hs256 = median(rounds.map((round) => round.keyway.perSecond));
    figures.push({
      measure: `users.me throughput with JWT_ALGORITHM=ES256, ${meConnections} conns (SQLite)`,
      value: median(withEs256),
      unit: 'req/s',
      reference: { name: 'the same, HS256 (the default)', value: hs256, unit: 'req/s' },
      ratio: median(withEs256) / hs256,
      note: 'informational: an ES256 signature costs more to verify than an HMAC; HS256 stays the default',
    });
  }
  const login = s?.login;
  if (login) {
    figures.push(
      ratioFigure(
        {
          measure: 'auth.login p50, 1 conn',
          value: login.latency.latencyMs.p50,
          unit: 'ms',
          reference: {
            name: `bcrypt.compare p50, cost ${bcryptCost}`,
            value: login.floor.sequentialMs.p50,
            unit: 'ms',
          },
        },
        atMost(1.1),
      ),
      ratioFigure(
        {
          measure: `auth.login throughput, ${loginConnections} conns`,
          value: login.throughput.perSecond,
          unit: 'req/s',
          reference: {
            name: `bcrypt pool (${login.pool.threadpoolSize} threads, ${loginConnections} in flight)`,
            value: login.pool.comparesPerSecond,
            unit: 'compares/s',
          },
        },
        atLeast(0.9),
      ),
    );
  }
  const latency = s?.latency;
  if (latency) {
    figures.push(
      ratioFigure(
        {
          measure: `users.me p99 at ${settings.pacedRate}/s under ${loginConnections}-conn login load`,
          value: latency.underLogin.latencyMs.p99,
          unit: 'ms',
          reference: { name: 'idle p99', value: latency.idle.latencyMs.p99, unit: 'ms' },
        },
        atMost(3),
      ),
    );
  }
  const denylistFigure = (dialect: string, d: DenylistFigures): Figure => {
    const empty = (d.empty.perSecond + d.emptyAgain.perSecond) / 2;
    return ratioFigure(
      {
        measure: `users.me, ${d.rows.toLocaleString('en')}-row deny list (${dialect})`,
        value: d.full.perSecond,
        unit: 'req/s',
        reference: { name: 'empty deny list, before and after', value: empty, unit: 'req/s' },
      },
      atLeast(0.9, '≥ 0.90 (cost < 10%)'),
    );
  };
  if (s?.denylist) figures.push(denylistFigure('SQLite', s.denylist));
  const pg = raw.postgresql;
  if (pg && 'denylist' in pg) figures.push(denylistFigure('PostgreSQL', pg.denylist));
  else if (pg)
    figures.push({ measure: 'users.me deny list (PostgreSQL)', value: Number.NaN, unit: '', note: pg.skipped });
  if (s?.peakRssMiB !== undefined && (rounds || login || latency || s.denylist)) {
    figures.push({
      measure: 'peak RSS under load (VmHWM, SQLite server)',
      value: s.peakRssMiB,
      unit: 'MiB',
      reference: { name: 'RSS after start, idle', value: s.startedRssMiB, unit: 'MiB' },
      ...under(150)(s.peakRssMiB),
    });
  }
  if (pg && 'peakRssMiB' in pg) {
    figures.push({
      measure: 'peak RSS under load (VmHWM, PostgreSQL server)',
      value: pg.peakRssMiB,
      unit: 'MiB',
      ...under(150)(pg.peakRssMiB),
    });
  }
  if (s?.coldStartsMs) {
    const coldStart = median(s.coldStartsMs);
    figures.push({
      measure: `cold start: spawn to first /healthz 200 (median of ${s.coldStartsMs.length})`,
      value: coldStart,
      unit: 'ms',
      ...under(1500)(coldStart),
    });
  }
  if (s) figures.push({ measure: 'first start incl. migrations (SQLite)', value: s.firstStartMs, unit: 'ms' });
  return figures;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE) || 4,
  };
}

const noisy = (raw: Raw) => Math.max(raw.backgroundCoresBefore ?? 0, raw.backgroundCoresAfter ?? 0) > 0.15;

function writeReport(raw: Raw, figures: Figure[], started: Date): void {
  const info = machine();
  const meta = {
    date: started.toISOString(),
    mode: quick ? 'quick (smoke run: timings not meaningful)' : 'full',
    bcryptCost,
    machine: info,
    postgres: raw.postgresql && 'version' in raw.postgresql ? raw.postgresql.version : null,
    settings,
    method: {
      throughput: `autocannon, ${meConnections} keep-alive connections, ${settings.rounds} alternating rounds of ${settings.meSeconds} s after ${settings.warmupSeconds} s warm-up; median`,
      latency: `open loop at ${settings.pacedRate} req/s over up to ${meConnections} connections; login load = autocannon ${loginConnections} connections`,
      server: 'node dist/main.js, NODE_ENV=production, LOG_LEVEL=info to a file, rate limits high but active',
    },
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ meta, figures, raw }, null, 2)}\n`);
  const markdown = [
    `# Keyway benchmark (${meta.mode})`,
    '',
    `${meta.date} · ${info.cpu} · ${info.memoryGiB} GiB · ${info.os} · Node ${info.node} · ` +
      `libuv pool ${info.threadpool} · bcrypt cost ${bcryptCost}` +
      (meta.postgres ? ` · PostgreSQL ${meta.postgres}` : ''),
    '',
    ...(noisy(raw)
      ? [
          `> Other work kept ${Math.max(raw.backgroundCoresBefore ?? 0, raw.backgroundCoresAfter ?? 0).toFixed(2)} ` +
            'cores busy around this run: figures are noisier than on a quiet machine.',
          '',
        ]
      : []),
    formatMarkdownTable(figures),
    '',
    `- Throughput: ${meta.method.throughput}.`,
    `- Latency: ${meta.method.latency}.`,
    `- Server: ${meta.method.server}.`,
    '',
  ].join('\n');
  writeFileSync(join(resultsDir, 'latest.md'), markdown);
  console.log(`\n${markdown.split('\n')[2]}\n\n${formatConsoleTable(figures)}\n`);
  console.log(`Written: ${join(resultsDir, 'latest.json')} and latest.md`);
}

// ---------------------------------------------------------------------------------------
// Profile mode: where the time of one users.me goes, against the ceilings

async function profilePhase(): Promise<void> {
  const dir = join(resultsDir, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // One folder per process: a process with tsx's loader thread writes one profile per thread.
  const prof = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, name)}`, '--cpu-prof-interval=250'];
  const databaseUrl = `sqlite:${join(workDir, 'profile.sqlite')}`;
  const server = await startKeyway({
    env: keywayEnv(databaseUrl),
    logFile: join(workDir, 'profile.log'),
    nodeArgs: prof('keyway'),
  });
  const session = await prepare(server.origin);
  const ceilingEnv = ceilingEnvOf(session);
  const framework = await startCeiling('ceiling-framework.ts', ceilingEnv, prof('framework'));
  const bare = await startCeiling('ceiling-bare.ts', ceilingEnv, prof('bare'));
  const rates: Record<string, number> = {};
  const windows: Record<string, Window> = {};
  for (const [name, pid, origin] of [
    ['keyway', server.pid, server.origin],
    ['framework', framework.pid, framework.origin],
    ['bare', bare.pid, bare.origin],
  ] as const) {
    const startUs = monotonicUs();
    const result = await closedLoop(
      `profile ${name}`,
      { ...session.me, origin },
      pid,
      meConnections,
      settings.profileSeconds,
      1,
    );
    windows[name] = { startUs, endUs: monotonicUs() };
    rates[name] = result.perSecond;
  }
  await server.stop();
  await framework.stop();
  await bare.stop();
  const sections = ['# CPU profiles under the users.me load', ''];
  sections.push(
    `${settings.profileSeconds} s of users.me at ${meConnections} connections each (only the load window is ` +
      'summarised), profiled with --cpu-prof ' +
      `(250 µs sampling; throughput is lower than unprofiled): ` +
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
  writeFileSync(join(resultsDir, 'profile.md'), sections.join('\n'));
  console.log(`Profiles in ${dir}; summary in ${join(resultsDir, 'profile.md')}`);
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = new Date();
  if (!flag('no-build')) {
    log('building @keyway/server (turbo, cached when unchanged)');
    const build = spawnSync('pnpm', ['turbo', 'run', 'build', '--filter=@keyway/server', '--output-logs=errors-only'], {
      cwd: join(serverDir, '../..'),
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new HarnessError('the build failed');
  }
  if (profileMode) {
    await profilePhase();
    return 0;
  }
  const raw: Raw = { rssTimeline };
  // Two load workers: one for every job, a second for the login load under the latency run.
  await startWorkers(2);
  raw.backgroundCoresBefore = await backgroundBusyCores(quick ? 300 : 2000);
  log(`machine-wide CPU busy before the run (benchmark idle): ${raw.backgroundCoresBefore.toFixed(2)} cores`);
  if (only.some((section) => section !== 'postgres')) await sqlitePhase(raw);
  if (wants('postgres')) await postgresPhase(raw);
  raw.backgroundCoresAfter = await backgroundBusyCores(quick ? 300 : 2000);
  const figures = figuresOf(raw);
  writeReport(raw, figures, started);
  const broken = figures.filter(
    (figure) => figure.goal !== undefined && !Number.isFinite(figure.ratio ?? figure.value),
  );
  if (broken.length > 0) {
    throw new HarnessError(`no value for: ${broken.map((figure) => figure.measure).join('; ')}`);
  }
  return 0;
}

void main()
  .catch((error: unknown) => {
    console.error(
      error instanceof HarnessError
        ? `Benchmark harness failed: ${error.message}`
        : `Benchmark crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 1;
  })
  .then(async (code) => {
    clearTimeout(watchdog);
    await cleanup();
    process.exit(code);
  });
