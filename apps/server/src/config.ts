/**
 * The environment, read and validated in one place. Packages never read `process.env`;
 * they receive the object built here. A bad value is a ConfigError naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AuthCoreConfig,
  checkMailTransport,
  dataEncryptionKeyBytes,
  generateDataEncryptionKey,
  generateSigningKeyPem,
  minimumSecretBytes,
  parseDatabaseUrl,
  parseDataEncryptionKey,
} from '@keyway/auth-core';
import { ConfigError } from './config-error.js';
import { type Env, readBoolean, readDuration, readInteger, readPort, readUrl } from './env-readers.js';
import { type RateLimitConfig, readRateLimitConfig } from './rate-limit-config.js';
import { readSigningConfig, type SigningConfig } from './signing-config.js';

export { ConfigError };

/** The git-ignored folder holding the development database, JWT secret and data-encryption key. */
export const defaultDataDirectory = fileURLToPath(new URL('../.data', import.meta.url));

const minimumDistinctSecretCharacters = 16;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The core's settings plus the host's own. */
export interface ServerConfig extends Omit<AuthCoreConfig, keyof SigningConfig>, SigningConfig, RateLimitConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string;
  databasePoolMax: number;
  migrateOnStart: boolean;
  jwtSecret: string;
  trustProxy: boolean;
  corsOrigins: string[];
  /** The HttpOnly refresh cookie of browser sessions. */
  sessionCookie: { name: string; sameSite: 'Strict' | 'Lax'; secure: boolean };
  webPort: number;
  logLevel: (typeof logLevels)[number];
  purgeIntervalSeconds: number;
  /** Serve `GET /metrics` (Prometheus text format). */
  metrics: boolean;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken: string | null;
}

/**
 * A development secret (the JWT secret, the data-encryption key): generated once, then kept
 * in the data folder, readable by its owner only.
 */
function developmentSecret(dataDirectory: string, fileName: string, variable: string, generate: () => string): string {
  const file = join(dataDirectory, fileName);
  try {
    if (!existsSync(file)) {
      mkdirSync(dataDirectory, { recursive: true });
      try {
        // 'wx': when another process (a second `pnpm dev` start) wrote one a moment ago, keep it.
        writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    // An unwritable data folder is a configuration problem, reported as one (no stack trace).
    throw new ConfigError(variable, `is not set and ${file} cannot be used: ${(error as Error).message}`);
  }
}

/** `DATA_ENCRYPTION_KEY`: 32 bytes as base64 or base64url; in development generated into the data folder. */
function readDataEncryptionKey(env: Env, production: boolean, dataDirectory: string): Buffer {
  const variable = 'DATA_ENCRYPTION_KEY';
  let text = env[variable];
  if (!text) {
    if (production) throw new ConfigError(variable, 'is required in production (32 random bytes, base64)');
    text = developmentSecret(dataDirectory, 'data-encryption-key', variable, generateDataEncryptionKey);
  }
  const key = parseDataEncryptionKey(text);
  if (!key) throw new ConfigError(variable, `must be ${dataEncryptionKeyBytes} bytes written as base64 or base64url`);
  return key;
}

/** Reads `apps/server/.env` into the environment when it exists (values already set win). */
export function loadEnvFile(): void {
  const file = fileURLToPath(new URL('../.env', import.meta.url));
  if (existsSync(file)) process.loadEnvFile(file);
}

/** Just `DATABASE_URL`, validated: all that `migrate` needs. */
export function loadDatabaseUrl(env: Env = process.env, options: { dataDirectory?: string } = {}): string {
  const databaseUrl =
    env.DATABASE_URL || `sqlite:${join(options.dataDirectory ?? defaultDataDirectory, 'keyway.sqlite')}`;
  if (!parseDatabaseUrl(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL',
      'must be sqlite:<path>, sqlite::memory: or postgres://user:pass@host:port/db',
    );
  }
  return databaseUrl;
}

export function loadConfig(env: Env = process.env, options: { dataDirectory?: string } = {}): ServerConfig {
  const dataDirectory = options.dataDirectory ?? defaultDataDirectory;
  const nodeEnvRaw = env.NODE_ENV || 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as ServerConfig['nodeEnv'];
  const production = nodeEnv === 'production';

  const databaseUrl = loadDatabaseUrl(env, { dataDirectory });

  let jwtSecret = env.JWT_SECRET;
  if (!jwtSecret) {
    if (production) throw new ConfigError('JWT_SECRET', 'is required in production');
    jwtSecret = developmentSecret(dataDirectory, 'jwt-secret', 'JWT_SECRET', () =>
      randomBytes(48).toString('base64url'),
    );
  }
  if (Buffer.byteLength(jwtSecret, 'utf8') < minimumSecretBytes) {
    throw new ConfigError('JWT_SECRET', `must be at least ${minimumSecretBytes} bytes`);
  }
  // Long is not random: 48 of one letter passes the length check. A generated secret (base64
  // of random bytes) has far more distinct characters than this.
  if (production && new Set(jwtSecret).size < minimumDistinctSecretCharacters) {
    throw new ConfigError(
      'JWT_SECRET',
      `must look random in production (at least ${minimumDistinctSecretCharacters} distinct characters)`,
    );
  }

  const signing = readSigningConfig(env, {
    production,
    developmentPrivateKey: () =>
      developmentSecret(dataDirectory, 'jwt-private-key.pem', 'JWT_PRIVATE_KEY', generateSigningKeyPem),
  });

  const bcryptCost = readInteger(env, 'BCRYPT_COST', 12, 4, 20);
  if (production && bcryptCost < 10) throw new ConfigError('BCRYPT_COST', 'must be at least 10 in production');

  const dataEncryptionKey = readDataEncryptionKey(env, production, dataDirectory);

  const port = readPort(env, 'PORT', 3000);
  const webPort = readPort(env, 'WEB_PORT', 5173);
  const appUrl = readUrl(env, 'APP_URL', `http://localhost:${webPort}`);

  const mailTransport = env.MAIL_TRANSPORT || 'console';
  const mailProblem = checkMailTransport(mailTransport);
  if (mailProblem) throw new ConfigError('MAIL_TRANSPORT', mailProblem);

  const rateLimits = readRateLimitConfig(env);

  // Serialised as browsers send Origin (lower-case host, no default port), so the
  // allow-list's exact-match lookup does not depend on how the operator wrote an origin.
  const corsOrigins = (env.CORS_ORIGINS || new URL(appUrl).origin)
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean)
    .map((origin) => {
      try {
        if (/^https?:\/\/[^/?#\s]+$/.test(origin)) return new URL(origin).origin;
      } catch {}
      throw new ConfigError('CORS_ORIGINS', `has an invalid origin "${origin}"`);
    });

  const sessionCookieName = env.SESSION_COOKIE_NAME || 'keyway_refresh';
  // A cookie name is an RFC 6265 token: no separators, spaces or control characters.
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(sessionCookieName)) {
    throw new ConfigError('SESSION_COOKIE_NAME', `must be 1-64 cookie-name characters, got "${sessionCookieName}"`);
  }
  const sameSiteRaw = (env.SESSION_COOKIE_SAMESITE || 'Strict').toLowerCase();
  if (sameSiteRaw !== 'strict' && sameSiteRaw !== 'lax') {
    throw new ConfigError('SESSION_COOKIE_SAMESITE', `must be Strict or Lax, got "${env.SESSION_COOKIE_SAMESITE}"`);
  }
  const sessionCookie = {
    name: sessionCookieName,
    sameSite: sameSiteRaw === 'lax' ? ('Lax' as const) : ('Strict' as const),
    // Plain http://localhost in development; everywhere else the cookie travels over TLS only.
    secure: readBoolean(env, 'SESSION_COOKIE_SECURE', nodeEnv !== 'development'),
  };

  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken !== null && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    throw new ConfigError('METRICS_TOKEN', 'must be 16 to 256 printable characters without spaces');
  }

  const logLevel = (env.LOG_LEVEL || 'info') as ServerConfig['logLevel'];
  if (!logLevels.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${logLevels.join(', ')}`);

  return {
    nodeEnv,
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    databasePoolMax: readInteger(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    migrateOnStart: readBoolean(env, 'MIGRATE_ON_START', true),
    jwtSecret,
    ...signing,
    jwtIssuer: env.JWT_ISSUER || 'keyway',
    jwtAudience: env.JWT_AUDIENCE || 'keyway',
    accessTokenTtlSeconds: readDuration(env, 'ACCESS_TOKEN_TTL', '15m'),
    refreshTokenTtlSeconds: readDuration(env, 'REFRESH_TOKEN_TTL', '30d'),
    refreshReuseGraceSeconds: readDuration(env, 'REFRESH_REUSE_GRACE', '10s', { allowZero: true }),
    resetTokenTtlSeconds: readDuration(env, 'RESET_TOKEN_TTL', '1h'),
    verifyTokenTtlSeconds: readDuration(env, 'VERIFY_TOKEN_TTL', '24h'),
    bcryptCost,
    appUrl,
    mailTransport,
    mailFrom: env.MAIL_FROM || 'Keyway <no-reply@localhost>',
    dataEncryptionKey,
    mailRetryForSeconds: readDuration(env, 'MAIL_RETRY_FOR', '24h'),
    registerEnumerationSafe: readBoolean(env, 'REGISTER_ENUMERATION_SAFE', false),
    auditRetentionSeconds: readDuration(env, 'AUDIT_RETENTION', '90d'),
    ...rateLimits,
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    corsOrigins,
    sessionCookie,
    webPort,
    logLevel,
    purgeIntervalSeconds: readDuration(env, 'PURGE_INTERVAL', '10m'),
    metrics: readBoolean(env, 'METRICS', false),
    metricsToken,
  };
}
