/**
 * The two database phases: a production Keyway on a SQLite file (throughput, login, latency,
 * deny list, memory, cold starts) and one on a fresh PostgreSQL database (deny list, memory).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openOrm } from '@keyway/auth-core';
import { createTestDatabase, isReachable, postgresAdminUrl } from '../../../src/testing.js';
import { type BenchContext, keywayEnv, log } from '../context.js';
import { closedLoop, prepare } from '../load.js';
import { peakRssMiB, rssMiB } from '../proc.js';
import { HarnessError, startKeyway } from '../processes.js';
import type { Raw, SqliteRaw } from '../raw.js';
import { denylistPhase } from './denylist.js';
import { latencyPhase, loginPhase } from './login.js';
import { throughputPhase } from './throughput.js';

export async function sqlitePhase(context: BenchContext, raw: Raw): Promise<void> {
  const { wants, settings, bcryptCost, meConnections } = context.options;
  const databaseUrl = `sqlite:${join(context.workDir, 'keyway.sqlite')}`;
  const logFile = join(context.workDir, 'keyway-sqlite.log');
  log(`SQLite: starting Keyway (NODE_ENV=production, BCRYPT_COST=${bcryptCost}, LOG_LEVEL=info to a file)`);
  const server = await startKeyway({ env: keywayEnv(context, databaseUrl), logFile });
  const sqlite: SqliteRaw = { firstStartMs: server.coldStartMs, startedRssMiB: rssMiB(server.pid) };
  raw.sqlite = sqlite;
  const session = await prepare(context, server.origin);

  if (wants('throughput')) sqlite.throughputRounds = await throughputPhase(context, server, session, databaseUrl);
  if (wants('login')) sqlite.login = await loginPhase(context, session, server.pid);
  if (wants('latency')) sqlite.latency = await latencyPhase(context, session, server.pid);
  if (wants('denylist')) {
    if (!wants('throughput') && settings.serverWarmupSeconds > 0) {
      const warmup = { connections: meConnections, seconds: settings.serverWarmupSeconds, warmupSeconds: 0.2 };
      await closedLoop(context, 'warm-up keyway', session.me, server.pid, warmup);
    }
    sqlite.denylist = await denylistPhase(context, 'SQLite', server, session, databaseUrl);
  }
  sqlite.peakRssMiB = peakRssMiB(server.pid);
  await server.stop();
  sqlite.logBytes = statSync(logFile).size;

  if (wants('coldstart')) {
    sqlite.coldStartsMs = [];
    for (let i = 0; i < settings.coldStarts; i++) {
      const restarted = await startKeyway({ env: keywayEnv(context, databaseUrl), logFile });
      sqlite.coldStartsMs.push(restarted.coldStartMs);
      log(`cold start ${i + 1}: ${restarted.coldStartMs.toFixed(0)} ms`);
      await restarted.stop();
    }
  }
}

async function serverVersion(databaseUrl: string): Promise<string> {
  const orm = await openOrm({ databaseUrl, poolMax: 1 });
  try {
    const [row] = await orm.em.getConnection().execute<Array<{ server_version: string }>>('show server_version');
    return row?.server_version ?? 'unknown';
  } finally {
    await orm.close(true);
  }
}

export async function postgresPhase(context: BenchContext, raw: Raw): Promise<void> {
  const { quick, settings, meConnections } = context.options;
  if (!(await isReachable(postgresAdminUrl))) {
    if (process.env.CI === 'true') throw new HarnessError(`PostgreSQL is not reachable at ${postgresAdminUrl}`);
    log(`PostgreSQL is not reachable at ${postgresAdminUrl}; skipping its figures`);
    raw.postgresql = { skipped: 'PostgreSQL not reachable' };
    return;
  }
  const database = await createTestDatabase('postgresql');
  context.cleanups.push(async () => {
    await database.drop();
    log(`dropped PostgreSQL database ${new URL(database.url).pathname.slice(1)}`);
  });
  log(`PostgreSQL: starting Keyway on ${new URL(database.url).pathname.slice(1)}`);
  const logFile = join(context.workDir, 'keyway-postgresql.log');
  const server = await startKeyway({ env: keywayEnv(context, database.url), logFile });
  const session = await prepare(context, server.origin);
  const seconds = quick ? settings.warmupSeconds : settings.serverWarmupSeconds;
  const warmup = { connections: meConnections, seconds, warmupSeconds: 0.2 };
  await closedLoop(context, 'warm-up PostgreSQL users.me', session.me, server.pid, warmup);
  const denylist = await denylistPhase(context, 'PostgreSQL', server, session, database.url);
  const rss = peakRssMiB(server.pid);
  await server.stop();
  const version = await serverVersion(database.url);
  raw.postgresql = { firstStartMs: server.coldStartMs, denylist, peakRssMiB: rss, version };
}
