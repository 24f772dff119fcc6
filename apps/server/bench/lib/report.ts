/** The table of figures: printed, and written as JSON and Markdown with the machine it ran on. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { threadpoolSize } from './processes.js';
import type { Raw } from './raw.js';

export interface Figure {
  measure: string;
  value: number;
  unit: string;
  reference?: { name: string; value: number; unit: string };
  /** value / reference (what the goal is stated on). */
  ratio?: number;
  /** e.g. `≥ 0.80`; absent for informational rows. */
  goal?: string;
  met?: boolean;
  note?: string;
}

const digits = (value: number, unit: string) => {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'req/s' || unit === 'compares/s') return value >= 100 ? value.toFixed(0) : value.toFixed(1);
  if (unit === 'ms') return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  if (unit === 'MiB') return value.toFixed(1);
  if (unit === 'µs') return value.toFixed(0);
  return String(Math.round(value * 100) / 100);
};

export const formatValue = (value: number, unit: string) => `${digits(value, unit)} ${unit}`;

const verdict = (figure: Figure) => (figure.goal === undefined ? '' : figure.met ? 'yes' : 'NO');

export function tableRows(figures: Figure[]): string[][] {
  return figures.map((figure) => [
    figure.measure,
    formatValue(figure.value, figure.unit),
    figure.reference ? `${figure.reference.name}: ${formatValue(figure.reference.value, figure.reference.unit)}` : '',
    figure.ratio === undefined ? '' : Number.isFinite(figure.ratio) ? figure.ratio.toFixed(2) : 'n/a',
    figure.goal ?? '',
    verdict(figure),
  ]);
}

const headings = ['Measure', 'Keyway', 'Reference (same run)', 'Ratio', 'Goal', 'Met'];

export function formatConsoleTable(figures: Figure[]): string {
  const rows = [headings, ...tableRows(figures)];
  const widths = headings.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(rows[0] ?? []), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join(
    '\n',
  );
}

export function formatMarkdownTable(figures: Figure[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${headings.join(' | ')} |`,
    '|---|--:|---|--:|:-:|:-:|',
    ...tableRows(figures).map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    threadpool: Number(threadpoolSize),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/** Cores other work kept busy around the run. */
const backgroundLoad = (raw: Raw) => Math.max(raw.backgroundCoresBefore ?? 0, raw.backgroundCoresAfter ?? 0);

export function writeReport(context: BenchContext, raw: Raw, figures: Figure[], started: Date): void {
  const { quick, bcryptCost, settings, meConnections, loginConnections } = context.options;
  const info = machine();
  const meta = {
    date: started.toISOString(),
    mode: quick ? 'quick (smoke run: timings not meaningful)' : 'full',
    bcryptCost,
    machine: info,
    postgres: raw.postgresql && 'version' in raw.postgresql ? raw.postgresql.version : null,
    settings,
    method: {
      throughput: `autocannon, ${meConnections} keep-alive connections, ${settings.rounds} alternating rounds of ${settings.meSeconds} s after ${settings.warmupSeconds} s warm-up; values are medians, ratios the median of the per-round ratios`,
      latency: `open loop at ${settings.pacedRate} req/s over up to ${meConnections} connections; login load = autocannon ${loginConnections} connections`,
      server:
        'bin/keyway (the production launcher), NODE_ENV=production, LOG_LEVEL=info to a file, rate limits high but active',
    },
  };
  mkdirSync(context.resultsDir, { recursive: true });
  writeFileSync(join(context.resultsDir, 'latest.json'), `${JSON.stringify({ meta, figures, raw }, null, 2)}\n`);
  const markdown = [
    `# Keyway benchmark (${meta.mode})`,
    '',
    `${meta.date} · ${info.cpu} · ${info.memoryGiB} GiB · ${info.os} · Node ${info.node} · ` +
      `libuv pool ${info.threadpool} · bcrypt cost ${bcryptCost}` +
      (meta.postgres ? ` · PostgreSQL ${meta.postgres}` : '') +
      ` · load average at the end ${info.loadAverage.join(' / ')}`,
    '',
    ...(backgroundLoad(raw) > 0.15
      ? [
          `> Other work kept ${backgroundLoad(raw).toFixed(2)} cores busy around this run: figures are noisier ` +
            'than on a quiet machine.',
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
  writeFileSync(join(context.resultsDir, 'latest.md'), markdown);
  console.log(`\n${markdown.split('\n')[2]}\n\n${formatConsoleTable(figures)}\n`);
  console.log(`Written: ${join(context.resultsDir, 'latest.json')} and latest.md`);
}
