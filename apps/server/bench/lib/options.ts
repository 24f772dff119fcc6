/** The benchmark's command line and the durations of a full and a quick run. */
import { resolve } from 'node:path';

export const sectionNames = ['throughput', 'login', 'latency', 'denylist', 'coldstart', 'postgres'] as const;
export type Section = (typeof sectionNames)[number];

const usage = `Usage: pnpm bench [--quick] [--profile] [--compare=<checkout>,...] [--cost=N] [--no-build] [--skip-postgres] [--only=${sectionNames.join(',')}]`;

const quickSettings = {
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
  watchdogMinutes: 5,
};

const fullSettings: typeof quickSettings = {
  cost: 12,
  warmupSeconds: 2,
  // Keyway's CPU per request kept falling for ~20 s of load when this was written (the JIT
  // reaching the ORM and driver code); the ceilings settle in a second or two.
  serverWarmupSeconds: 20,
  ceilingWarmupSeconds: 3,
  meSeconds: 5,
  // Five rounds, each measuring every server once in rotated order; ratios are the median
  // of the five per-round ratios, so drift and a noisy neighbour hit both sides alike.
  rounds: 5,
  loginSeconds: 10,
  bcryptSequential: 25,
  pacedRate: 200,
  pacedSeconds: 10,
  denyRows: 1_000_000,
  denySeconds: 8,
  coldStarts: 3,
  profileSeconds: 10,
  watchdogMinutes: 30,
};

export type Settings = typeof quickSettings;

export interface BenchOptions {
  quick: boolean;
  profile: boolean;
  /**
   * `--compare`: other checkouts of this repository (their root folders, each built), whose
   * users.me is measured beside this checkout's and the bare ceiling's; nothing else runs.
   */
  compare: string[];
  build: boolean;
  bcryptCost: number;
  settings: Settings;
  /** Whether a section runs (`--only`, `--skip-postgres`). */
  wants(section: Section): boolean;
  /** Connections of the users.me closed loops, and of the login load. */
  meConnections: number;
  loginConnections: number;
}

/** Parses the arguments; a string is the error to print (with the usage) before exiting 2. */
export function parseOptions(args: string[]): BenchOptions | string {
  const known = /^--(quick|profile|no-build|skip-postgres|cost=\d+|only=[a-z,]+|compare=.+)$/;
  const unknown = args.find((arg) => !known.test(arg));
  if (unknown) return `Unknown argument ${unknown}\n${usage}`;
  const flag = (name: string) => args.includes(`--${name}`);
  const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const only = option('only')?.split(',') ?? [...sectionNames];
  const unknownSection = only.find((name) => !(sectionNames as readonly string[]).includes(name));
  if (unknownSection) return `Unknown section ${unknownSection}; sections: ${sectionNames.join(', ')}`;
  const settings = flag('quick') ? quickSettings : fullSettings;
  return {
    quick: flag('quick'),
    profile: flag('profile'),
    // Relative to where `pnpm bench` was typed (pnpm runs the script in apps/server).
    compare: (option('compare')?.split(',') ?? []).map((dir) => resolve(process.env.INIT_CWD ?? process.cwd(), dir)),
    build: !flag('no-build'),
    bcryptCost: Number(option('cost') ?? settings.cost),
    settings,
    wants: (section) => only.includes(section) && !(section === 'postgres' && flag('skip-postgres')),
    meConnections: 10,
    loginConnections: 8,
  };
}
