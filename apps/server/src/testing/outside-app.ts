/**
 * A package as a team outside this repository gets it: built, packed by `pnpm pack`, and
 * installed with npm into a fresh project in a temporary directory (nothing of this
 * repository in its tree). Used by the install tests of the published packages.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packages of the server side that must never reach an outside install of a published package. */
export const serverOnlyPackages = ['bcrypt', 'sqlite3', 'pg', 'ioredis', 'pino', 'nodemailer', 'knex'];

export interface OutsideAppOptions {
  /** The package's own folder (its package.json names it). */
  packageRoot: string;
  /** The fixture folder copied into the app before the install. */
  fixture: string;
  /** The app's name in its package.json. */
  appName: string;
  /** More dependencies of the app, name to version. */
  devDependencies?: Record<string, string>;
}

/** The version of `name` this repository installs for the package at `packageRoot`. */
export function versionOf(name: string, packageRoot: string): string {
  const require = createRequire(join(packageRoot, 'package.json'));
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** Every package name in a node_modules tree, nested ones included. */
export async function installedPackages(nodeModules: string): Promise<Set<string>> {
  const names = new Set<string>();
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const packages = entry.name.startsWith('@')
      ? (await readdir(join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of packages) {
      names.add(name);
      for (const nested of await installedPackages(join(nodeModules, name, 'node_modules'))) names.add(nested);
    }
  }
  return names;
}

/** Builds, packs and installs the package into a new app; `remove()` deletes it all. */
export async function installOutsideApp(options: OutsideAppOptions) {
  const require = createRequire(join(options.packageRoot, 'package.json'));
  const { name } = require('./package.json') as { name: string };
  const repoRoot = resolve(options.packageRoot, '../..');
  const workDir = await mkdtemp(join(tmpdir(), `keyway-${options.appName}-`));
  const appDir = join(workDir, 'app');
  const inApp = (command: string, args: string[]) => run(command, args, { cwd: appDir, maxBuffer: 32 * 1024 * 1024 });
  /** `npm install` in the app, quietly; `args` name what to add (and `--save-dev`). */
  const npmInstall = (args: string[] = []) =>
    inApp('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args]);
  try {
    await run('pnpm', ['turbo', 'run', 'build', `--filter=${name}`, '--output-logs=errors-only'], { cwd: repoRoot });
    await run('pnpm', ['pack', '--pack-destination', workDir], { cwd: options.packageRoot });
    const tarball = (await readdir(workDir)).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error('pnpm pack wrote no tarball');
    await mkdir(appDir);
    await cp(options.fixture, appDir, { recursive: true });
    const manifest = {
      name: options.appName,
      private: true,
      type: 'module',
      dependencies: { [name]: `file:../${tarball}` },
      ...(options.devDependencies && { devDependencies: options.devDependencies }),
    };
    await writeFile(join(appDir, 'package.json'), JSON.stringify(manifest, null, 2));
    await npmInstall();
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    appDir,
    inApp,
    npmInstall,
    /** Every package installed in the app (see installedPackages). */
    installed: () => installedPackages(join(appDir, 'node_modules')),
    remove: () => rm(workDir, { recursive: true, force: true }),
  };
}

export type OutsideApp = Awaited<ReturnType<typeof installOutsideApp>>;
