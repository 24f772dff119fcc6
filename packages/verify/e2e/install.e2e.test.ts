/**
 * @keyway/verify as another team's service gets it: the real `pnpm pack` tarball, installed
 * with npm into a fresh project in a temporary directory (nothing of this repository in its
 * tree), typechecked there (strict, skipLibCheck off), and run against a real ES256 Keyway:
 * a valid token, a tampered one, an expired one, and a revoked one with checkRevocation.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock, generateSigningKeyPem } from '@keyway/auth-core';
import { createTestDatabase, type TestDatabase } from '@keyway/auth-core/testing';
import {
  dataOf,
  freePort,
  installOutsideApp,
  mutation,
  type OutsideApp,
  type SignedIn,
  serverOnlyPackages,
  startTestServer,
  type TestServer,
  versionOf,
} from '@keyway/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const fixture = join(packageRoot, 'e2e/outside-app');
const password = 'correct horse battery staple 42';

/** Packages of the server side that must never reach a service that only verifies tokens. */
const serverPackages = [...serverOnlyPackages, 'jsonwebtoken', '@trpc/server'];

const versionHere = (name: string) => versionOf(name, packageRoot);

/** Express for the README's middleware example, installed only for that test. */
const expressVersion = '5.3.0';

/**
 * Writes the README's code block under `heading` into the outside app as it stands, runs it
 * with `KEYWAY_JWKS_URL` and `PORT` set, and waits until it answers.
 */
async function startExample(readme: string, heading: string, keywayUrl: string) {
  const start = readme.indexOf(`## ${heading}\n`);
  const open = start === -1 ? -1 : readme.indexOf('```js\n', start);
  const close = open === -1 ? -1 : readme.indexOf('\n```', open);
  if (close === -1) throw new Error(`README has no js block under "## ${heading}"`);
  const code = readme.slice(open + '```js\n'.length, close + 1);
  const file = `example-${randomUUID()}.mjs`;
  await writeFile(join(app.appDir, file), code);
  const port = await freePort();
  const child = spawn('node', [file], {
    cwd: app.appDir,
    env: { PATH: process.env.PATH ?? '', KEYWAY_JWKS_URL: `${keywayUrl}/.well-known/jwks.json`, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the "${heading}" example exited: ${stderr}`);
    const up = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`the "${heading}" example never listened: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { port, stop: () => child.kill() };
}

let app: OutsideApp;
const inApp = (command: string, args: string[]) => app.inApp(command, args);

beforeAll(async () => {
  app = await installOutsideApp({ packageRoot, fixture, appName: 'outside-service' });
}, 600_000);

afterAll(() => app?.remove());

describe('@keyway/verify installed from its tarball outside the monorepo', () => {
  it('brings jose and nothing of the server', async () => {
    const installed = await app.installed();
    expect([...installed].sort()).toEqual(['@keyway/verify', 'jose']);
    expect(serverPackages.filter((name) => installed.has(name))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(app.appDir, 'node_modules/@keyway/verify/package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ jose: versionHere('jose') });
    expect(await readdir(join(app.appDir, 'node_modules/@keyway/verify/dist'))).toEqual(
      expect.arrayContaining(['index.js', 'index.d.ts', 'verifier.js', 'verifier.d.ts']),
    );
  });

  it('typechecks a strict Node service against its declarations (skipLibCheck off)', async () => {
    await app.npmInstall([
      '--save-dev',
      `typescript@${versionHere('typescript')}`,
      `@types/node@${versionHere('@types/node')}`,
    ]);
    await inApp('node', [join(app.appDir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']).catch(
      (error: { stdout?: string }) => {
        throw new Error(`tsc failed:\n${error.stdout ?? String(error)}`);
      },
    );
  }, 300_000);

  describe('against a running Keyway (ES256)', () => {
    let database: TestDatabase;
    let keyway: TestServer;
    const env = { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: generateSigningKeyPem() };
    const tokens = { valid: '', tampered: '', expired: '', revoked: '', userId: '' };

    const post = async (url: string, path: string, body: unknown, token?: string) =>
      dataOf<SignedIn>(await mutation(url, path, body, { token }));

    beforeAll(async () => {
      database = await createTestDatabase('sqlite', { file: true });
      keyway = await startTestServer({ database, env });
      const email = `outside-${randomUUID()}@example.com`;
      await post(keyway.url, 'users.register', { email, password });
      const valid = await post(keyway.url, 'auth.login', { email, password });
      const revoked = await post(keyway.url, 'auth.login', { email, password });
      await post(keyway.url, 'auth.logout', {}, revoked.accessToken);
      // The same key and database, a clock an hour behind: its tokens are already expired.
      const past = await startTestServer({ database, env, clock: createManualClock(new Date(Date.now() - 3_600_000)) });
      const expired = await post(past.url, 'auth.login', { email, password });
      await past.stop();
      const [header, payload, signature] = valid.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url');
      Object.assign(tokens, {
        valid: valid.accessToken,
        tampered: `${header}.${forgedPayload}.${signature}`,
        expired: expired.accessToken,
        revoked: revoked.accessToken,
        userId: valid.user.id,
      });
    });
    afterAll(async () => {
      await keyway?.stop();
      await database?.drop();
    });

    it('accepts a valid token and refuses a tampered, an expired and a revoked one', async () => {
      const cases = {
        valid: { token: tokens.valid, checkRevocation: true },
        tampered: { token: tokens.tampered },
        expired: { token: tokens.expired },
        revokedSignatureOnly: { token: tokens.revoked },
        revoked: { token: tokens.revoked, checkRevocation: true },
      };
      const { stdout } = await inApp('node', [
        'check.mjs',
        `${keyway.url}/.well-known/jwks.json`,
        JSON.stringify(cases),
      ]);
      expect(JSON.parse(stdout)).toEqual({
        valid: { ok: true, sub: tokens.userId, typ: 'access' },
        tampered: { ok: false, reason: 'invalid' },
        expired: { ok: false, reason: 'expired' },
        // A signature cannot know about a logout; the revocation check does.
        revokedSignatureOnly: { ok: true, sub: tokens.userId, typ: 'access' },
        revoked: { ok: false, reason: 'revoked' },
      });
    });

    it('runs the README’s node:http handler and Express middleware as written', async () => {
      await app.npmInstall([`express@${expressVersion}`]);
      const readme = await readFile(join(packageRoot, 'README.md'), 'utf8');
      const request = (port: number, method: string, path: string, token?: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method,
          headers: token ? { Authorization: `Bearer ${token}` } : {},
          signal: AbortSignal.timeout(15_000),
        });

      const http = await startExample(readme, 'A plain `node:http` handler', keyway.url);
      try {
        const answer = await request(http.port, 'GET', '/', tokens.valid);
        expect([answer.status, await answer.json()]).toEqual([200, { hello: tokens.userId }]);
        expect((await request(http.port, 'GET', '/')).status).toBe(401);
        expect((await request(http.port, 'GET', '/', tokens.tampered)).status).toBe(401);
        expect((await request(http.port, 'GET', '/', tokens.expired)).status).toBe(401);
        // GET skips the revocation check there; other methods make it.
        expect((await request(http.port, 'GET', '/', tokens.revoked)).status).toBe(200);
        expect((await request(http.port, 'POST', '/', tokens.revoked)).status).toBe(401);
      } finally {
        http.stop();
      }

      const express = await startExample(readme, 'Express middleware', keyway.url);
      try {
        const reports = await request(express.port, 'GET', '/reports', tokens.valid);
        expect([reports.status, await reports.json()]).toEqual([200, { user: tokens.userId }]);
        expect((await request(express.port, 'GET', '/reports', tokens.tampered)).status).toBe(401);
        expect((await request(express.port, 'GET', '/reports')).status).toBe(401);
        expect((await request(express.port, 'POST', '/payments', tokens.valid)).status).toBe(200);
        expect((await request(express.port, 'POST', '/payments', tokens.revoked)).status).toBe(401);
      } finally {
        express.stop();
      }
    });
  });
});
