/**
 * A real Keyway server on a free port, for HTTP, client, browser and benchmark tests:
 * a migrated database of the chosen dialect, a real SMTP mailbox, silent logs, bcrypt
 * cost 4 and generous rate limits unless the test's `env` says otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rateLimitBuckets, rateLimitPolicy } from '@keyway/api';
import { type Clock, type Dialect, migrate, openOrm } from '@keyway/auth-core';
import { createTestDatabase, createTestMailbox, type TestDatabase, type TestMailbox } from '@keyway/auth-core/testing';
import pino from 'pino';
import { loadConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { createServer, type ServerOptions } from '../server.js';
import { callsTo } from './http.js';

export const testJwtSecret = 'test-secret-test-secret-test-secret-0123456789';
/** 32 bytes, base64url: what production requires in `DATA_ENCRYPTION_KEY`. */
export const testDataEncryptionKey = Buffer.alloc(32, 0x6b).toString('base64url');

/**
 * Rate limits high enough that only the tests of limits meet them (every call still goes
 * through the limiter): `max` per window for each rule of the policy, by its variable.
 */
export function lenientRateLimitEnv(max = 10_000): Record<string, string> {
  const rules = rateLimitBuckets.map((bucket) => {
    const { env, default: rule } = rateLimitPolicy[bucket];
    return [env, `${max}/${rule.windowSeconds}s`];
  });
  return {
    ...Object.fromEntries(rules),
    LOGIN_BACKOFF_AFTER: String(Math.min(max, 1000)),
    MAIL_ACCOUNT_LIMIT: `${max}/1h`,
  };
}

export interface TestServerOptions {
  dialect?: Dialect;
  /** Reuse a database (two instances on one database, a restart on one file). */
  database?: TestDatabase;
  mailbox?: TestMailbox;
  /** Environment on top of the test defaults, exactly as an operator would set it. */
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Where the server logs (silent unless `env.LOG_LEVEL` says otherwise); tests read it. */
  logger?: Logger;
  /** The handler of /trpc/ calls (the path-equivalence test passes tRPC's stock adapter). */
  trpcHandler?: ServerOptions['trpcHandler'];
}

export async function startTestServer(options: TestServerOptions = {}) {
  const ownDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase(options.dialect ?? 'sqlite'));
  const ownMailbox = !options.mailbox;
  const mailbox = options.mailbox ?? (await createTestMailbox());
  const dataDirectory = mkdtempSync(join(tmpdir(), 'keyway-data-'));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      BCRYPT_COST: '4',
      JWT_SECRET: testJwtSecret,
      DATA_ENCRYPTION_KEY: testDataEncryptionKey,
      DATABASE_URL: database.url,
      MAIL_TRANSPORT: mailbox.url,
      LOG_LEVEL: 'silent',
      ...lenientRateLimitEnv(),
      ...options.env,
    },
    { dataDirectory },
  );
  const logger = options.logger ?? pino({ level: config.logLevel });
  const orm = await openOrm({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax, logger });
  await migrate(orm);
  const server = await createServer({ config, orm, logger, clock: options.clock, trpcHandler: options.trpcHandler });
  const url = await server.start();
  return {
    url,
    /** `t.mutation(path, ...)`, `t.register(email)`, ...: the HTTP calls of ./http.ts on this server. */
    ...callsTo(url),
    server,
    /** The server's database connection (a test may close it to see the server fail). */
    orm,
    config,
    database,
    mailbox,
    /** Stops the server; drops the database and mailbox it created itself. */
    async stop() {
      await server.stop();
      rmSync(dataDirectory, { recursive: true, force: true });
      if (ownMailbox) await mailbox.close();
      if (ownDatabase) await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
