/** The table of figures: printed, and written as JSON and Markdown. */

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
