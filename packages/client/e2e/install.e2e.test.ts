/**
 * The client as a team outside this repository gets it: the real `pnpm pack` tarball,
 * installed with npm into a fresh project in a temporary directory, typechecked there
 * (strict, skipLibCheck off) in a browser and a Node tsconfig, and run against a real server.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  installOutsideApp,
  type OutsideApp,
  serverOnlyPackages,
  startTestServer,
  versionOf,
} from '@keyway/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const fixture = join(packageRoot, 'e2e/outside-app');

/** Server-side packages that must never reach a frontend's install. */
const serverPackages = [...serverOnlyPackages, '@keyway/api', '@keyway/auth-core', '@keyway/server'];

let app: OutsideApp;
const versionHere = (name: string) => versionOf(name, packageRoot);
const inApp = (command: string, args: string[]) => app.inApp(command, args);

async function tsc(tsconfig: string) {
  return inApp('node', [join(app.appDir, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--listFiles']).catch(
    (error: { stdout?: string }) => {
      const errors = (error.stdout ?? String(error)).split('\n').filter((line) => line.includes('error TS'));
      throw new Error(`tsc -p ${tsconfig} failed:\n${errors.join('\n')}`);
    },
  );
}

beforeAll(async () => {
  app = await installOutsideApp({
    packageRoot,
    fixture,
    appName: 'outside-app',
    devDependencies: {
      react: versionHere('react'),
      '@types/react': versionHere('@types/react'),
      typescript: versionHere('typescript'),
    },
  });
}, 600_000);

afterAll(() => app?.remove());

describe('@keyway/client installed from its tarball outside the monorepo', () => {
  it('brings only its own runtime dependencies, none of the server packages', async () => {
    const installed = await app.installed();

    expect(installed).toContain('@keyway/client');
    expect(installed).toContain('@trpc/client');
    expect(installed).toContain('zod');
    expect(serverPackages.filter((name) => installed.has(name))).toEqual([]);
    expect([...installed].filter((name) => name.startsWith('@mikro-orm/'))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(app.appDir, 'node_modules/@keyway/client/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['@trpc/client', '@trpc/server', 'zod']);
  });

  it('typechecks a strict app in a browser project without @types/node (skipLibCheck off)', async () => {
    expect(await app.installed()).not.toContain('@types/node');

    const { stdout } = await tsc('tsconfig.browser.json');

    // The declarations load nothing of the server, and the misspelt procedure was an error.
    const files = stdout.split('\n').filter(Boolean);
    expect(files.filter((file) => /@keyway\/(api|auth-core|server)|mikro-orm|ioredis/.test(file))).toEqual([]);
    expect(files.some((file) => file.endsWith('@keyway/client/dist/index.d.ts'))).toBe(true);
    expect(files.some((file) => file.endsWith('@keyway/client/dist/react.d.ts'))).toBe(true);
  });

  it('typechecks the same app in a Node project with @types/node', async () => {
    await app.npmInstall(['--save-dev', `@types/node@${versionHere('@types/node')}`]);

    await tsc('tsconfig.node.json');
  }, 300_000);

  it('proves the types are checked: a wrong call in the app fails tsc', async () => {
    const broken = join(app.appDir, 'broken.ts');
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
