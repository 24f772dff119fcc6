/**
 * users.me throughput in alternating rounds: Keyway (SQLite, HS256), the same with
 * METRICS=true, with JWT_ALGORITHM=ES256, on PostgreSQL, and the three ceilings. Every server
 * is warmed, then each round measures each once in an order rotated by one, so drift and
 * other load hit them alike.
 */
import { join } from 'node:path';
import { generateSigningKeyPem } from '@keyway/auth-core';
import { createTestDatabase, isReachable, postgresAdminUrl } from '../../../src/testing.js';
import { type BenchContext, keywayEnv, log } from '../context.js';
import { alternatingRounds, ceilingEnvOf, prepare, type RoundServer, type Session } from '../load.js';
import { HarnessError, startCeiling, startKeyway } from '../processes.js';
import type { ThroughputRound, ThroughputTarget } from '../raw.js';

interface Target extends RoundServer {
  name: ThroughputTarget;
  /** The body it must answer: Keyway's own on the same database, else that server's own. */
  body: string;
  stop(): Promise<void>;
}

/** A Keyway on a fresh PostgreSQL database, dropped at the end of the run. */
async function startPostgresKeyway(context: BenchContext) {
  const database = await createTestDatabase('postgresql');
  context.cleanups.push(() => database.drop());
  return startKeyway({
    env: keywayEnv(context, database.url),
    logFile: join(context.workDir, 'keyway-throughput-pg.log'),
  });
}

export async function throughputPhase(
  context: BenchContext,
  server: { pid: number },
  session: Session,
  databaseUrl: string,
): Promise<ThroughputRound[]> {
  const ceilingEnv = ceilingEnvOf(context, session);
  const withPostgres = context.options.wants('postgres') && (await isReachable(postgresAdminUrl));
  const started = await Promise.all([
    startCeiling('ceiling-framework.ts', ceilingEnv),
    startCeiling('ceiling-trpc.ts', ceilingEnv),
    startCeiling('ceiling-bare.ts', ceilingEnv),
    startKeyway({
      env: { ...keywayEnv(context, databaseUrl), METRICS: 'true' },
      logFile: join(context.workDir, 'keyway-metrics.log'),
    }),
    startKeyway({
      env: { ...keywayEnv(context, databaseUrl), JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: generateSigningKeyPem() },
      logFile: join(context.workDir, 'keyway-es256.log'),
    }),
    withPostgres ? startPostgresKeyway(context) : null,
  ]);
  const [framework, floor, bare, metrics, es256, postgresql] = started;
  try {
    // The ES256 instance signs its own tokens (it refuses HS256 ones, as it must); the
    // PostgreSQL one has a database, and so an account, of its own.
    const es256Session = await prepare(context, es256.origin, true);
    const postgresSession = postgresql ? await prepare(context, postgresql.origin) : null;
    const targets: Target[] = [
      { name: 'keyway', ...server, target: session.me, body: session.meBody, keyway: true, stop: async () => {} },
      {
        name: 'metrics',
        ...metrics,
        target: { ...session.me, origin: metrics.origin },
        body: session.meBody,
        keyway: true,
      },
      { name: 'es256', ...es256, target: es256Session.me, body: session.meBody, keyway: true },
      ...(postgresql && postgresSession
        ? [
            {
              name: 'postgresql' as const,
              ...postgresql,
              target: postgresSession.me,
              body: postgresSession.meBody,
              keyway: true,
            },
          ]
        : []),
      {
        name: 'framework',
        ...framework,
        target: { ...session.me, origin: framework.origin },
        body: session.meBody,
        keyway: false,
      },
      { name: 'floor', ...floor, target: { ...session.me, origin: floor.origin }, body: session.meBody, keyway: false },
      { name: 'bare', ...bare, target: { ...session.me, origin: bare.origin }, body: session.meBody, keyway: false },
    ];
    for (const { name, target, body } of targets) {
      const answer = await fetch(`${target.origin}${target.path}`, { headers: target.headers });
      const text = await answer.text();
      if (text !== body) throw new HarnessError(`${name} answers ${answer.status} ${text}, not ${body}`);
    }
    const rounds = (await alternatingRounds(context, targets)).map(
      (measured) => Object.fromEntries([...measured].map(([entry, result]) => [entry.name, result])) as ThroughputRound,
    );
    log(`throughput: ${rounds.length} rounds of ${targets.map((entry) => entry.name).join(', ')}`);
    return rounds;
  } finally {
    for (const process of [framework, floor, bare, metrics, es256, postgresql]) await process?.stop();
  }
}
