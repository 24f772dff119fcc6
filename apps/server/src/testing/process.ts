/**
 * Runs the real entry points (`src/main.ts`, `src/migrate.ts`) as child processes from
 * source through tsx, so the process-level tests need no build and see exactly what an
 * operator sees: exit codes, stderr, signals.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rateLimitBuckets, rateLimitPolicy } from '@keyway/api';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));

export const spawnJwtSecret = 'spawned-test-secret-0123456789-0123456789';

/**
 * A complete, valid test environment. Every variable is set (an empty one counts as unset),
 * so a developer's apps/server/.env, which main.ts reads without overriding the
 * environment, cannot change what a test sees.
 */
export function baseEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '',
    MIGRATE_ON_START: 'true',
    JWT_SECRET: spawnJwtSecret,
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 0x73).toString('base64url'),
    JWT_ALGORITHM: '',
    JWT_PRIVATE_KEY: '',
    JWT_RETIRED_PUBLIC_KEYS: '',
    JWT_ISSUER: '',
    JWT_AUDIENCE: '',
    ACCESS_TOKEN_TTL: '',
    REFRESH_TOKEN_TTL: '',
    RESET_TOKEN_TTL: '',
    VERIFY_TOKEN_TTL: '',
    BCRYPT_COST: '4',
    APP_URL: '',
    MAIL_TRANSPORT: 'console',
    MAIL_FROM: '',
    MAIL_RETRY_FOR: '',
    RATE_LIMIT_STORE: 'memory',
    RATE_LIMIT_PREFIX: '',
    ...Object.fromEntries(rateLimitBuckets.map((bucket) => [rateLimitPolicy[bucket].env, ''])),
    LOGIN_BACKOFF_AFTER: '',
    LOGIN_BACKOFF_MAX: '',
    MAIL_ACCOUNT_LIMIT: '',
    REFRESH_REUSE_GRACE: '',
    REGISTER_ENUMERATION_SAFE: '',
    AUDIT_RETENTION: '',
    SESSION_COOKIE_NAME: '',
    SESSION_COOKIE_SAMESITE: '',
    SESSION_COOKIE_SECURE: '',
    METRICS: '',
    METRICS_TOKEN: '',
    TRUST_PROXY: 'false',
    CORS_ORIGINS: '',
    WEB_PORT: '',
    LOG_LEVEL: 'info',
    PURGE_INTERVAL: '',
  };
}

export interface Spawned {
  child: ChildProcess;
  /** Complete lines written to stdout so far. */
  stdout: string[];
  stderr(): string;
  /** Resolves with the first stdout line matching, waiting for it (up to `timeoutMs`). */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnEntry(
  entry: 'main' | 'migrate' | 'admin',
  env: Record<string, string>,
  args: string[] = [],
): Spawned {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@keyway/source', `src/${entry}.ts`, ...args],
    {
      cwd: packageDirectory,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stdout: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  let closed = false;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    stdout.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': by then every byte of stdout and stderr has been read.
    child.once('close', (code, signal) => {
      if (partial) stdout.push(partial);
      partial = '';
      closed = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );

  return {
    child,
    stdout,
    stderr: () => stderr,
    exited,
    waitForLine(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = stdout.find(match);
          if (line !== undefined) {
            finish();
            resolve(line);
          } else if (closed) {
            finish();
            reject(
              new Error(`Process exited before the line appeared.\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr}`),
            );
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`No such line within ${timeoutMs} ms.\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The `msg` of a pino JSON line, or undefined for anything else. */
export function logMessage(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { msg?: unknown };
    return typeof parsed.msg === 'string' ? parsed.msg : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the "listening" log line of a spawned server and returns its URL. */
export async function listeningUrl(spawned: Spawned): Promise<string> {
  const line = await spawned.waitForLine((text) => logMessage(text)?.startsWith('Keyway API listening on ') ?? false);
  return (JSON.parse(line) as { url: string }).url;
}
