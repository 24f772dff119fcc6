/**
 * The table's rows from the raw figures: each value beside the reference measured in the
 * same run, and the goal judged on their ratio. A throughput ratio is the median of the
 * per-round ratios of the alternating rounds, not a ratio of medians.
 */
import type { BenchOptions } from './options.js';
import type { DenylistFigures, Raw, ThroughputRound, ThroughputTarget } from './raw.js';
import type { Figure } from './report.js';

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

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
function ratioFigure(figure: Figure & { reference: NonNullable<Figure['reference']> }, goal?: Goal): Figure {
  const ratio = figure.ratio ?? figure.value / figure.reference.value;
  return { ...figure, ratio, ...goal?.(ratio) };
}

/** One server's users.me rate against another's: medians of each, and the median per-round ratio. */
function roundsFigure(
  rounds: ThroughputRound[],
  measure: string,
  [name, reference, referenceName]: [ThroughputTarget, ThroughputTarget, string],
  goal?: Goal,
  note?: string,
): Figure[] {
  const paired = rounds.flatMap((round) => {
    const value = round[name];
    const base = round[reference];
    return value && base ? [{ value: value.perSecond, base: base.perSecond }] : [];
  });
  if (paired.length === 0) return [];
  return [
    ratioFigure(
      {
        measure,
        value: median(paired.map((pair) => pair.value)),
        unit: 'req/s',
        reference: { name: referenceName, value: median(paired.map((pair) => pair.base)), unit: 'req/s' },
        ratio: median(paired.map((pair) => pair.value / pair.base)),
        ...(note && { note }),
      },
      goal,
    ),
  ];
}

function throughputFigures(rounds: ThroughputRound[], connections: number): Figure[] {
  const cpu = (name: 'keyway' | 'framework' | 'floor' | 'bare') =>
    median(rounds.map((round) => round[name].cpuUsPerRequest));
  const sqlite = `users.me throughput, ${connections} conns (SQLite)`;
  return [
    ...roundsFigure(rounds, sqlite, ['keyway', 'framework', 'framework ceiling'], atLeast(0.8)),
    ...roundsFigure(rounds, sqlite, ['keyway', 'bare', 'bare node:http ceiling'], atLeast(0.4)),
    ...roundsFigure(
      rounds,
      sqlite,
      ['keyway', 'floor', 'tRPC floor'],
      undefined,
      "informational: the floor (ceiling-trpc.ts) is Keyway's request path and procedure shape with only the token check; what a call costs beyond it (the read, rate limit, context, answer headers, log line) is Keyway's own work",
    ),
    ...roundsFigure(
      rounds,
      `tRPC floor: users.me on Keyway's request path, token check only, ${connections} conns`,
      ['floor', 'bare', 'bare node:http ceiling'],
      undefined,
      'informational: what one guarded tRPC procedure call costs on its own, against the platform; Keyway cannot be nearer the bare ceiling than this',
    ),
    {
      measure: 'users.me server CPU per request',
      value: cpu('keyway'),
      unit: 'µs',
      reference: {
        name: `framework ${cpu('framework').toFixed(0)} µs, tRPC floor ${cpu('floor').toFixed(0)} µs, bare`,
        value: cpu('bare'),
        unit: 'µs',
      },
      ratio: cpu('framework') / cpu('keyway'),
      note: 'informational: server CPU time / requests served; ratio = framework / Keyway, a noise-robust view of the first row',
    },
    ...roundsFigure(
      rounds,
      `users.me throughput with METRICS=true, ${connections} conns (SQLite)`,
      ['metrics', 'keyway', 'the same, METRICS off'],
      atLeast(0.95),
    ),
    ...roundsFigure(
      rounds,
      `users.me throughput with JWT_ALGORITHM=ES256, ${connections} conns (SQLite)`,
      ['es256', 'keyway', 'the same, HS256 (the default)'],
      undefined,
      'informational: an ES256 signature costs more to verify than an HMAC; HS256 stays the default',
    ),
    ...roundsFigure(
      rounds,
      `users.me throughput, ${connections} conns (PostgreSQL)`,
      ['postgresql', 'bare', 'bare node:http ceiling'],
      undefined,
      'informational: a network round trip to PostgreSQL per call instead of a SQLite read',
    ),
    ...roundsFigure(rounds, `users.me throughput, ${connections} conns (PostgreSQL vs SQLite)`, [
      'postgresql',
      'keyway',
      'the same on SQLite',
    ]),
  ];
}

function denylistFigure(dialect: string, d: DenylistFigures): Figure {
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
}

export function figuresOf(raw: Raw, options: BenchOptions): Figure[] {
  const { bcryptCost, settings, meConnections, loginConnections } = options;
  const figures: Figure[] = [];
  const s = raw.sqlite;
  if (s?.throughputRounds) figures.push(...throughputFigures(s.throughputRounds, meConnections));
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
  if (s?.denylist) figures.push(denylistFigure('SQLite', s.denylist));
  const pg = raw.postgresql;
  if (pg && 'denylist' in pg) figures.push(denylistFigure('PostgreSQL', pg.denylist));
  else if (pg)
    figures.push({ measure: 'users.me deny list (PostgreSQL)', value: Number.NaN, unit: '', note: pg.skipped });
  if (s?.peakRssMiB !== undefined && (s.throughputRounds || login || latency || s.denylist)) {
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
