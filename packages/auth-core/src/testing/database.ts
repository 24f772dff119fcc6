/**
 * Real databases for tests: in-memory (or file) SQLite always, and a fresh PostgreSQL
 * database per call when the server answers, dropped afterwards. With CI=true PostgreSQL
 * is required: a suite that needs it fails instead of skipping.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgreSqlDriver, MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { entities } from '../entities/index.js';
import type { Dialect } from '../orm.js';

export const postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisTestUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const required = process.env.CI === 'true';

/** True when something accepts TCP connections at the URL's host and port. */
export function isReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) || defaultPort, timeout: timeoutMs });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

/**
 * The dialects a database suite runs on: SQLite, plus PostgreSQL when it answers (always,
 * with CI=true: an unreachable server then fails the suite when it tries to connect).
 */
export async function testDialects(): Promise<Dialect[]> {
  return required || (await isReachable(postgresAdminUrl)) ? ['sqlite', 'postgresql'] : ['sqlite'];
}

/** Whether tests needing Redis should run (always with CI=true, so they fail when it is down). */
export async function shouldTestRedis(): Promise<boolean> {
  return required || isReachable(redisTestUrl);
}

export interface TestDatabase {
  url: string;
  dialect: Dialect;
  drop(): Promise<void>;
}

let admin: Promise<PostgresOrm> | undefined;

async function adminConnection(): Promise<PostgresOrm> {
  admin ??= PostgresOrm.init({
    entities,
    driver: PostgreSqlDriver,
    clientUrl: postgresAdminUrl,
    allowGlobalContext: true,
    pool: { min: 0, max: 2 },
  });
  return admin;
}

/** A fresh, empty database (not yet migrated). SQLite lives in memory unless `file` is set. */
export async function createTestDatabase(dialect: Dialect, options: { file?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    if (!options.file) return { url: 'sqlite::memory:', dialect, drop: async () => {} };
    const folder = mkdtempSync(join(tmpdir(), 'keyway-test-'));
    return {
      url: `sqlite:${join(folder, 'keyway.sqlite')}`,
      dialect,
      drop: async () => rmSync(folder, { recursive: true, force: true }),
    };
  }
  const name = `keyway_test_${randomBytes(6).toString('hex')}`;
  const connection = (await adminConnection()).em.getConnection();
  await connection.execute(`create database ${name}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dialect,
    drop: async () => {
      await connection.execute(`drop database if exists ${name} with (force)`);
    },
  };
}
