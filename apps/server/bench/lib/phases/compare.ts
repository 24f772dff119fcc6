/**
 * `--compare=<checkout>,…`: users.me of this checkout and of other built checkouts of the
 * repository (the commit before a change, say), side by side with the bare ceiling in
 * alternating rounds. On a machine whose speed drifts, this is how one change is measured:
 * every build meets the same moments of the machine, and each ratio is the median of the
 * per-round ratios. Writes bench-results/compare.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchContext, keywayEnv, log } from '../context.js';
import { median } from '../figures.js';
import { alternatingRounds, ceilingEnvOf, prepare, type RoundServer } from '../load.js';
import { startCeiling, startKeyway } from '../processes.js';

interface Contender extends RoundServer {
  perSecond: number[];
  cpuUs: number[];
}

/** The median over rounds of `contender`'s throughput divided by `reference`'s in the same round. */
const ratio = (contender: Contender, reference: Contender) =>
  median(contender.perSecond.map((value, round) => value / (reference.perSecond[round] as number)));

export async function comparePhase(context: BenchContext): Promise<void> {
  const { settings, meConnections, compare } = context.options;
  const contenders: Contender[] = [];
  const stops: Array<() => Promise<void>> = [];
  let firstSession: Awaited<ReturnType<typeof prepare>> | undefined;
  try {
    for (const [index, checkout] of [undefined, ...compare].entries()) {
      const server = await startKeyway({
        env: keywayEnv(context, `sqlite:${join(context.workDir, `compare-${index}.sqlite`)}`),
        logFile: join(context.workDir, `compare-${index}.log`),
        checkout,
      });
      stops.push(() => server.stop());
      const session = await prepare(context, server.origin);
      firstSession ??= session;
      const name = checkout ?? 'this checkout';
      contenders.push({ name, pid: server.pid, target: session.me, keyway: true, perSecond: [], cpuUs: [] });
    }
    if (!firstSession) return;
    const bare = await startCeiling('ceiling-bare.ts', ceilingEnvOf(context, firstSession));
    stops.push(() => bare.stop());
    const target = { ...firstSession.me, origin: bare.origin };
    contenders.push({ name: 'bare ceiling', pid: bare.pid, target, keyway: false, perSecond: [], cpuUs: [] });

    for (const measured of await alternatingRounds(context, contenders)) {
      for (const [contender, result] of measured) {
        contender.perSecond.push(result.perSecond);
        contender.cpuUs.push(result.cpuUsPerRequest);
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  const [self] = contenders;
  const bare = contenders.at(-1);
  if (!self || !bare) return;
  const lines = [
    '# users.me, builds side by side',
    '',
    `${settings.rounds} alternating rounds of ${settings.meSeconds} s, ${meConnections} connections, SQLite; ` +
      'values are medians over the rounds, ratios the median of the per-round ratios.',
    '',
    '| build | users.me | server CPU / call | vs bare ceiling | vs this checkout |',
    '|---|--:|--:|--:|--:|',
    ...contenders.map(
      (contender) =>
        `| ${contender.name} | ${median(contender.perSecond).toFixed(0)} req/s | ${median(contender.cpuUs).toFixed(0)} µs | ` +
        `${ratio(contender, bare).toFixed(2)} | ${ratio(contender, self).toFixed(2)} |`,
    ),
    '',
  ];
  const report = lines.join('\n');
  mkdirSync(context.resultsDir, { recursive: true });
  writeFileSync(join(context.resultsDir, 'compare.md'), report);
  console.log(`\n${report}`);
  log(`written: ${join(context.resultsDir, 'compare.md')}`);
}
