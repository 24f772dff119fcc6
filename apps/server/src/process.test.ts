/**
 * The real entry points as an operator runs them (from source through tsx, so no build is
 * needed): bad configuration refused with exit code 1 and one line, a graceful SIGTERM that
 * finishes in-flight requests, and an idempotent `migrate`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseEnv,
  dataOf,
  heldLogin,
  listeningUrl,
  logMessage,
  mutation,
  password,
  register,
  type SignedIn,
  type Spawned,
  send,
  spawnEntry,
} from './testing.js';

let folder: string;
let counter = 0;
/** A fresh SQLite file for one spawned process. */
const databaseUrl = () => `sqlite:${join(folder, `db-${++counter}.sqlite`)}`;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'keyway-process-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * Runs at most as many of these processes at once as there are cores: each one loads the
 * whole server, and more at once only makes every one of them slower.
 */
const slots = { free: Math.max(1, availableParallelism()), waiting: [] as Array<() => void> };
async function withSlot(start: () => Spawned): Promise<Spawned> {
  if (slots.free === 0) await new Promise<void>((resolve) => slots.waiting.push(resolve));
  else slots.free--;
  const spawned = start();
  void spawned.exited.finally(() => {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  });
  return spawned;
}

/** True when a new TCP connection to the URL's port is refused. */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

// Deadlines only (a hang fails instead of stalling the suite): on a busy machine starting a
// process from source takes a while.
const slow = { timeout: 120_000 };

describe('configuration refusals', slow, () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root:hunter2@127.0.0.1:3306/keyway' }],
    ['JWT_SECRET', { JWT_SECRET: 'too-short' }],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: '', BCRYPT_COST: '12' }],
    ['BCRYPT_COST', { NODE_ENV: 'production', BCRYPT_COST: '8' }],
    ['DATA_ENCRYPTION_KEY', { NODE_ENV: 'production', BCRYPT_COST: '12', DATA_ENCRYPTION_KEY: '' }],
    ['DATA_ENCRYPTION_KEY', { DATA_ENCRYPTION_KEY: 'c2hvcnQ' }],
    ['JWT_ALGORITHM', { JWT_ALGORITHM: 'RS256' }],
    ['JWT_PRIVATE_KEY', { NODE_ENV: 'production', BCRYPT_COST: '12', JWT_ALGORITHM: 'ES256' }],
    ['JWT_PRIVATE_KEY', { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: 'not a key' }],
    ['JWT_RETIRED_PUBLIC_KEYS', { JWT_ALGORITHM: 'ES256', JWT_RETIRED_PUBLIC_KEYS: 'not a key' }],
    ['RATE_LIMIT_LOGIN_IP', { RATE_LIMIT_LOGIN_IP: 'five' }],
    ['MAIL_TRANSPORT', { MAIL_TRANSPORT: 'ftp://x' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'maybe' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: 'soon' }],
  ];

  it.concurrent.each(cases)('%s: exits 1 with one line naming it, no stack trace (%o)', async (variable, env) => {
    const spawned = await withSlot(() => spawnEntry('main', { ...baseEnv(databaseUrl()), ...env }));
    const { code } = await spawned.exited;
    const stderr = spawned.stderr();
    expect(code, stderr).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${variable} \\S`));
    expect(stderr).not.toMatch(/\n\s+at |Error:|hunter2/);
    // It stopped before doing anything: no log, no listening server.
    expect(spawned.stdout.filter(Boolean)).toEqual([]);
  });

  it('migrate refuses bad configuration the same way', async () => {
    const spawned = spawnEntry('migrate', { ...baseEnv(databaseUrl()), DATABASE_URL: 'mysql://x/y' });
    expect((await spawned.exited).code).toBe(1);
    expect(spawned.stderr().trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: DATABASE_URL /),
    ]);
  });
});

describe('graceful shutdown', slow, () => {
  it('on SIGTERM: refuses new connections, finishes in-flight requests, exits 0', async () => {
    // bcrypt at cost 12, as in production: each login below is real, slow work.
    const spawned = spawnEntry('main', { ...baseEnv(databaseUrl()), BCRYPT_COST: '12' });
    try {
      const url = await listeningUrl(spawned);
      await register(url, 'drain@example.com');
      // Three logins in flight whose bodies are held back until shutdown has begun.
      const inFlight = [1, 2, 3].map(() => heldLogin(url, 'drain@example.com'));
      await Promise.all(inFlight.map((call) => call.continued));

      spawned.child.kill('SIGTERM');
      await spawned.waitForLine((line) => logMessage(line) === 'Shutting down');
      expect(await refusesConnections(url)).toBe(true);

      for (const call of inFlight) call.release();
      const answers = await Promise.all(inFlight.map((call) => call.answered));
      for (const answer of answers) {
        expect(answer.status, answer.text).toBe(200);
        const login = (JSON.parse(answer.text) as { result: { data: SignedIn } }).result.data;
        expect(login.user.email).toBe('drain@example.com');
        // The connection is not kept alive past the shutdown.
        expect(answer.headers.connection).toBe('close');
      }

      expect(await spawned.exited).toEqual({ code: 0, signal: null });
      expect(spawned.stderr()).toBe('');
    } finally {
      spawned.child.kill('SIGKILL');
    }
  });

  it('on SIGINT: exits 0, and the data survives for the next start', async () => {
    const database = databaseUrl();
    const first = spawnEntry('main', baseEnv(database));
    try {
      const url = await listeningUrl(first);
      await register(url, 'survivor@example.com');
      // A keep-alive client that made a request must not hold the shutdown up.
      expect((await send(`${url}/healthz`)).status).toBe(200);
      first.child.kill('SIGINT');
      expect(await first.exited).toEqual({ code: 0, signal: null });
    } finally {
      first.child.kill('SIGKILL');
    }

    const second = spawnEntry('main', baseEnv(database));
    try {
      const url = await listeningUrl(second);
      // Migrations were applied by the first start: nothing to apply now.
      expect(second.stdout.some((line) => logMessage(line) === 'Applied database migrations')).toBe(false);
      const login = dataOf<SignedIn>(await mutation(url, 'auth.login', { email: 'survivor@example.com', password }));
      expect(login.user.email).toBe('survivor@example.com');
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});

describe('migrate', slow, () => {
  it('applies the migrations once; a second run says the database is up to date', async () => {
    const env = baseEnv(databaseUrl());
    const first = spawnEntry('migrate', env);
    expect((await first.exited).code, first.stderr()).toBe(0);
    expect(first.stdout.join('\n')).toMatch(/^Applied migrations: \S+/);

    const second = spawnEntry('migrate', env);
    expect((await second.exited).code, second.stderr()).toBe(0);
    expect(second.stdout.filter(Boolean)).toEqual(['Database is up to date']);
    expect(second.stderr()).toBe('');
  });
});
