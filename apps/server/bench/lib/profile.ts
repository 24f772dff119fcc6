/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`) and says where the busy time went: self and
 * inclusive time per package (node internals, each npm package, each Keyway package) and
 * the top functions, as percentages of the non-idle samples.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  ms: number;
  /** Percent of busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  selfByPackage: Share[];
  inclusiveByPackage: Share[];
  topSelf: Share[];
  topInclusive: Share[];
}

/** The package a frame belongs to: `node:http`, `@trpc/server`, `@keyway/api`, `(gc)`… */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(program)') return '(program)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(root)') return '(root)';
    return '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope = '', name = ''] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    const module = parts[0] === 'internal' ? (parts[1] ?? 'internal') : (parts[0] ?? '');
    return `node:${module.replace(/\.js$/, '')}`;
  }
  const keyway = /\/(?:packages|apps)\/([^/]+)\/(src|dist|bench)\//.exec(url);
  if (keyway) return keyway[2] === 'bench' ? 'bench' : `@keyway/${keyway[1]}`;
  return url;
}

function frameName(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(packages|apps)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

function top(map: Map<string, number>, busyMs: number, limit: number): Share[] {
  return [...map]
    .map(([name, ms]) => ({ name, ms, pct: (100 * ms) / busyMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit);
}

/** A span of CLOCK_MONOTONIC microseconds: `process.hrtime.bigint() / 1000n` and V8's profile clock agree on Linux. */
export interface Window {
  startUs: number;
  endUs: number;
}

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Summarises the samples inside `window` (the load), or all of them. */
export function summarizeProfile(file: string, window?: Window, limit = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stackOf = new Map<number, ProfileNode[]>();
  const stack = (id: number): ProfileNode[] => {
    let frames = stackOf.get(id);
    if (frames) return frames;
    frames = [];
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const node = byId.get(current);
      if (node) frames.push(node);
    }
    stackOf.set(id, frames);
    return frames;
  };

  const selfPackage = new Map<string, number>();
  const inclusivePackage = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  const inclusiveFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  let idleMs = 0;
  let busyMs = 0;
  let windowMs = 0;
  let at = profile.startTime;

  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) return;
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    windowMs += ms;
    const frames = stack(id);
    const leaf = frames[0];
    if (!leaf) return;
    const leafPackage = packageOf(leaf.callFrame);
    if (leafPackage === '(idle)') {
      idleMs += ms;
      return;
    }
    busyMs += ms;
    add(selfPackage, leafPackage, ms);
    add(selfFunction, frameName(leaf.callFrame), ms);
    const packages = new Set<string>();
    const functions = new Set<string>();
    for (const frame of frames) {
      const name = packageOf(frame.callFrame);
      if (name === '(root)') continue;
      packages.add(name);
      functions.add(frameName(frame.callFrame));
    }
    for (const name of packages) add(inclusivePackage, name, ms);
    for (const name of functions) add(inclusiveFunction, name, ms);
  });

  return {
    file,
    wallMs: window ? windowMs : (profile.endTime - profile.startTime) / 1000,
    busyMs,
    idleMs,
    selfByPackage: top(selfPackage, busyMs, limit),
    inclusiveByPackage: top(inclusivePackage, busyMs, limit),
    topSelf: top(selfFunction, busyMs, limit),
    topInclusive: top(inclusiveFunction, busyMs, limit + 15),
  };
}

export function formatProfile(title: string, summary: ProfileSummary): string {
  const rows = (shares: Share[]) =>
    shares.map(
      (share) => `| ${share.name.replaceAll('|', '\\|')} | ${share.ms.toFixed(0)} | ${share.pct.toFixed(1)} |`,
    );
  const table = (heading: string, shares: Share[]) =>
    [`#### ${heading}`, '', '| frame | ms | % of busy |', '|---|--:|--:|', ...rows(shares), ''].join('\n');
  return [
    `### ${title}`,
    '',
    `${summary.file}: ${summary.wallMs.toFixed(0)} ms profiled, ${summary.busyMs.toFixed(0)} ms busy, ` +
      `${summary.idleMs.toFixed(0)} ms idle.`,
    '',
    table('Self time by package', summary.selfByPackage),
    table('Inclusive time by package (a sample counts once per package on its stack)', summary.inclusiveByPackage),
    table('Top functions, self', summary.topSelf),
    table('Top functions, inclusive', summary.topInclusive),
  ].join('\n');
}
