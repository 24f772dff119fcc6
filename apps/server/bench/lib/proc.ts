/** What Linux's /proc says of a process and of the machine: CPU time, resident memory, load. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** User + system CPU seconds the process has used so far (Linux /proc); NaN elsewhere. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function cpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const totalTicks = ticks.reduce((sum, n) => sum + n, 0);
  // idle and iowait are the 4th and 5th fields.
  return { busy: totalTicks - (ticks[3] ?? 0) - (ticks[4] ?? 0), total: totalTicks };
}

/**
 * CPU cores busy machine-wide over `ms` (1.0 = one core), while the benchmark itself is
 * idle: other work on the machine makes every figure noisier. NaN without /proc.
 */
export async function backgroundBusyCores(ms: number): Promise<number> {
  try {
    const before = cpuTicks();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = cpuTicks();
    return ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * cpus().length;
  } catch {
    return Number.NaN;
  }
}

/** A memory figure of /proc/<pid>/status in MiB; NaN when /proc is not available. */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size now (VmRSS) in MiB. */
export const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS');

/** Peak resident set size (VmHWM) in MiB. */
export const peakRssMiB = (pid: number) => statusMiB(pid, 'VmHWM');
