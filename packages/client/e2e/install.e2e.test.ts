/**
 * The client as a team outside this repository gets it: the real `pnpm pack` tarball,
 * installed with npm into a fresh project in a temporary directory, typechecked there
 * (strict, skipLibCheck off) in a browser and a Node tsconfig, and run against a real server.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer } from '@keyway/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repoRoot = resolve(packageRoot, '../..');
const fixture = join(packageRoot, 'e2e/outside-app');

/** Server-side packages that must never reach a frontend's install. */
const serverPackages = [
  'bcrypt',
  'sqlite3',
  'pg',
  'ioredis',
  'pino',
  'nodemailer',
  'knex',
  '@keyway/api',
  '@keyway/auth-core',
  '@keyway/server',
];

/** The versions this repository itself uses, so the outside app matches what is tested here. */
function versionOf(name: string): string {
  const require = createRequire(join(packageRoot, 'package.json'));
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** Every package name in a node_modules tree, nested ones included. */
async function installedPackages(nodeModules: string): Promise<Set<string>> {
  const names = new Set<string>();
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const scoped = entry.name.startsWith('@');
    const packages = scoped
      ? (await readdir(join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of packages) {
      names.add(name);
      for (const nested of await installedPackages(join(nodeModules, name, 'node_modules'))) names.add(nested);
    }
  }
  return names;
}

let workDir: string;
let appDir: string;

async function inApp(command: string, args: string[]) {
  return run(command, args, { cwd: appDir, maxBuffer: 32 * 1024 * 1024 });
}

async function tsc(tsconfig: string) {
  return inApp('node', [join(appDir, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--listFiles']).catch(
    (error: { stdout?: string }) => {
      const errors = (error.stdout ?? String(error)).split('\n').filter((line) => line.includes('error TS'));
      throw new Error(`tsc -p ${tsconfig} failed:\n${errors.join('\n')}`);
    },
  );
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'keyway-client-install-'));
  appDir = join(workDir, 'app');
  await run('pnpm', ['turbo', 'run', 'build', '--filter=@keyway/client', '--output-logs=errors-only'], {
    cwd: repoRoot,
  });
  await run('pnpm', ['pack', '--pack-destination', workDir], { cwd: packageRoot });
  const tarball = (await readdir(workDir)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack wrote no tarball');
  await mkdir(appDir);
  await cp(fixture, appDir, { recursive: true });
  const manifest = {
    name: 'outside-app',
    private: true,
    type: 'module',
    dependencies: { '@keyway/client': `file:../${tarball}` },
    devDependencies: {
      react: versionOf('react'),
      '@types/react': versionOf('@types/react'),
      typescript: versionOf('typescript'),
    },
  };
  await writeFile(join(appDir, 'package.json'), JSON.stringify(manifest, null, 2));
  await inApp('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
}, 600_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('@keyway/client installed from its tarball outside the monorepo', () => {
  it('brings only its own runtime dependencies, none of the server packages', async () => {
    const installed = await installedPackages(join(appDir, 'node_modules'));

    expect(installed).toContain('@keyway/client');
    expect(installed).toContain('@trpc/client');
    expect(installed).toContain('zod');
    expect(serverPackages.filter((name) => installed.has(name))).toEqual([]);
    expect([...installed].filter((name) => name.startsWith('@mikro-orm/'))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(appDir, 'node_modules/@keyway/client/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['@trpc/client', '@trpc/server', 'zod']);
  });

  it('typechecks a strict app in a browser project without @types/node (skipLibCheck off)', async () => {
    expect(await installedPackages(join(appDir, 'node_modules'))).not.toContain('@types/node');

    const { stdout } = await tsc('tsconfig.browser.json');

    // The declarations load nothing of the server, and the misspelt procedure was an error.
    const files = stdout.split('\n').filter(Boolean);
    expect(files.filter((file) => /@keyway\/(api|auth-core|server)|mikro-orm|ioredis/.test(file))).toEqual([]);
    expect(files.some((file) => file.endsWith('@keyway/client/dist/index.d.ts'))).toBe(true);
    expect(files.some((file) => file.endsWith('@keyway/client/dist/react.d.ts'))).toBe(true);
  });

  it('typechecks the same app in a Node project with @types/node', async () => {
    await inApp('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--save-dev',
      `@types/node@${versionOf('@types/node')}`,
    ]);

    await tsc('tsconfig.node.json');
  }, 300_000);

  it('proves the types are checked: a wrong call in the app fails tsc', async () => {
    const broken = join(appDir, 'broken.ts');
    await writeFile(
      broken,
      "import { createKeywayClient } from '@keyway/client';\nawait createKeywayClient({ url: 'x' }).users.mee.query();\n",
    );
    try {
      await expect(tsc('tsconfig.browser.json')).rejects.toThrow(/Property 'mee' does not exist/);
    } finally {
      await rm(broken);
    }
  });

  it('signs up, logs in and reads the user from a real server', async () => {
    const server = await startTestServer();
    try {
      const email = `outside-${randomUUID()}@example.com`;
      const { stdout } = await inApp('node', ['smoke.mjs', server.url, email, 'correct horse battery staple 42']);
      expect(JSON.parse(stdout)).toMatchObject({ email, emailVerified: false });
    } finally {
      await server.stop();
    }
  });
});
