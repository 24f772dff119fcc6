/**
 * What every phase of a run shares: the options, a scratch folder, the server's secret and
 * load account, the cleanup steps, the log line format, and how Keyway and the ceilings are
 * configured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { lenientRateLimitEnv } from '../../src/testing.js';
import type { BenchOptions } from './options.js';
import { serverDir } from './processes.js';
import type { Raw } from './raw.js';

export interface BenchContext {
  options: BenchOptions;
  /** Temporary: SQLite files, server logs. Removed at the end. */
  workDir: string;
  resultsDir: string;
  jwtSecret: string;
  /** The account every load runs as. */
  account: { email: string; password: string };
  /** Run at the end, last added first, whatever happened (databases to drop, pools to close). */
  cleanups: Array<() => Promise<void>>;
  rssTimeline: Raw['rssTimeline'];
}

export function createContext(options: BenchOptions): BenchContext {
  return {
    options,
    workDir: mkdtempSync(join(os.tmpdir(), 'keyway-bench-')),
    resultsDir: join(serverDir, 'bench-results'),
    jwtSecret: randomBytes(48).toString('base64url'),
    account: { email: 'load@example.com', password: 'Correct-Horse-Battery-9' },
    cleanups: [],
    rssTimeline: [],
  };
}

export const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** The production server's environment: every defence on, limits too high to ever refuse. */
export function keywayEnv(context: BenchContext, databaseUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    // Node flags for the Keyway server only (e.g. V8 heap sizing experiments).
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: context.jwtSecret,
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    BCRYPT_COST: String(context.options.bcryptCost),
    LOG_LEVEL: 'info',
    MAIL_TRANSPORT: 'console',
    // High enough never to trip, so the limiter is exercised on every call but never refuses.
    ...lenientRateLimitEnv(1_000_000_000),
  };
}
