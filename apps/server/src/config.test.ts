/**
 * The configuration (README, Configuration), read by `loadConfig`: the defaults, the parsing of durations and
 * rate-limit rules, the production checks, and every refusal a ConfigError naming its
 * variable. The secrets generated into the data folder: config-secrets.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { configWithTestDataFolder } from './testing/config.js';

const { secret, dataKey, dataDirectory, load, refusal } = configWithTestDataFolder();

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({}, { dataDirectory })).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: `sqlite:${join(dataDirectory, 'keyway.sqlite')}`,
      jwtIssuer: 'keyway',
      jwtAudience: 'keyway',
      accessTokenTtlSeconds: 15 * 60,
      refreshTokenTtlSeconds: 30 * 86_400,
      refreshReuseGraceSeconds: 10,
      resetTokenTtlSeconds: 3600,
      verifyTokenTtlSeconds: 24 * 3600,
      bcryptCost: 12,
      appUrl: 'http://localhost:5173',
      mailTransport: 'console',
      mailFrom: 'Keyway <no-reply@localhost>',
      mailRetryForSeconds: 24 * 3600,
      auditRetentionSeconds: 90 * 86_400,
      rateLimitStore: 'memory',
      rateLimitRules: {
        loginAccount: { max: 5, windowSeconds: 15 * 60 },
        loginIp: { max: 30, windowSeconds: 60 },
        registerIp: { max: 10, windowSeconds: 3600 },
        resetIp: { max: 5, windowSeconds: 3600 },
        defaultIp: { max: 300, windowSeconds: 60 },
      },
      trustProxy: false,
      corsOrigins: ['http://localhost:5173'],
      webPort: 5173,
      logLevel: 'info',
      metrics: false,
      metricsToken: null,
    });
  });

  it('treats an empty variable as unset', () => {
    const config = load({ PORT: '', ACCESS_TOKEN_TTL: '', RATE_LIMIT_LOGIN_IP: '', TRUST_PROXY: '', LOG_LEVEL: '' });
    expect(config).toMatchObject({ port: 3000, accessTokenTtlSeconds: 900, trustProxy: false, logLevel: 'info' });
    expect(config.rateLimitRules.loginIp).toEqual({ max: 30, windowSeconds: 60 });
  });

  it('reads every variable it is given', () => {
    const config = load({
      NODE_ENV: 'production',
      DATA_ENCRYPTION_KEY: dataKey,
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://keyway:pw@db.internal:5432/keyway',
      JWT_ISSUER: 'issuer',
      JWT_AUDIENCE: 'audience',
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '7d',
      REFRESH_REUSE_GRACE: '30s',
      RESET_TOKEN_TTL: '30m',
      VERIFY_TOKEN_TTL: '2d',
      BCRYPT_COST: '11',
      APP_URL: 'https://app.example.com/',
      MAIL_TRANSPORT: 'smtps://user:pass@smtp.example.com:465',
      MAIL_FROM: 'Example <auth@example.com>',
      MAIL_RETRY_FOR: '2h',
      AUDIT_RETENTION: '30d',
      RATE_LIMIT_STORE: 'redis://cache.internal:6379',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
      WEB_PORT: '4000',
      METRICS: 'true',
      METRICS_TOKEN: 'scrape-token-0123456789',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://keyway:pw@db.internal:5432/keyway',
      jwtSecret: secret,
      jwtIssuer: 'issuer',
      jwtAudience: 'audience',
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 7 * 86_400,
      refreshReuseGraceSeconds: 30,
      resetTokenTtlSeconds: 1800,
      verifyTokenTtlSeconds: 2 * 86_400,
      bcryptCost: 11,
      appUrl: 'https://app.example.com',
      mailTransport: 'smtps://user:pass@smtp.example.com:465',
      mailFrom: 'Example <auth@example.com>',
      mailRetryForSeconds: 7200,
      auditRetentionSeconds: 30 * 86_400,
      rateLimitStore: 'redis://cache.internal:6379',
      trustProxy: true,
      logLevel: 'warn',
      webPort: 4000,
      // CORS follows APP_URL unless set.
      corsOrigins: ['https://app.example.com'],
      dataEncryptionKey: Buffer.alloc(32, 7),
      metrics: true,
      metricsToken: 'scrape-token-0123456789',
    });
  });

  it('reads the session cookie settings: Secure by default except in development', () => {
    expect(load({}).sessionCookie).toEqual({ name: 'keyway_refresh', sameSite: 'Strict', secure: false });
    expect(load({ NODE_ENV: 'test' }).sessionCookie.secure).toBe(true);
    expect(
      load({ SESSION_COOKIE_NAME: 'sid', SESSION_COOKIE_SAMESITE: 'lax', SESSION_COOKIE_SECURE: 'true' }).sessionCookie,
    ).toEqual({ name: 'sid', sameSite: 'Lax', secure: true });
    expect(refusal({ SESSION_COOKIE_SAMESITE: 'None' }).message).toMatch(/^SESSION_COOKIE_SAMESITE /);
    expect(refusal({ SESSION_COOKIE_NAME: 'a b;c' }).message).toMatch(/^SESSION_COOKIE_NAME /);
  });

  it('turns the refresh grace window off with 0s, and refuses a negative one', () => {
    expect(load({ REFRESH_REUSE_GRACE: '0s' }).refreshReuseGraceSeconds).toBe(0);
    expect(refusal({ REFRESH_REUSE_GRACE: '-5s' }).message).toMatch(/^REFRESH_REUSE_GRACE /);
  });

  it('derives APP_URL and the CORS origin from WEB_PORT', () => {
    expect(load({ WEB_PORT: '4173' })).toMatchObject({
      appUrl: 'http://localhost:4173',
      corsOrigins: ['http://localhost:4173'],
    });
  });

  it('parses durations with units, or bare seconds', () => {
    const cases: Array<[string, number]> = [
      ['45s', 45],
      ['15m', 900],
      ['2h', 7200],
      ['30d', 30 * 86_400],
      ['1w', 604_800],
      ['90', 90],
      [' 10m ', 600],
    ];
    for (const [value, seconds] of cases) expect(load({ ACCESS_TOKEN_TTL: value }).accessTokenTtlSeconds).toBe(seconds);
    for (const value of ['soon', '0', '0m', '-5m', '1.5h', '15 minutes', '15M', 'm', '1y', '9999999999999999999d']) {
      const error = refusal({ REFRESH_TOKEN_TTL: value });
      expect(error.variable).toBe('REFRESH_TOKEN_TTL');
      expect(error.message).toMatch(/^REFRESH_TOKEN_TTL must be a duration/);
    }
  });

  it('parses rate-limit rules as <max>/<window>', () => {
    const config = load({
      RATE_LIMIT_LOGIN_ACCOUNT: '3/10m',
      RATE_LIMIT_LOGIN_IP: ' 100/30s ',
      RATE_LIMIT_REGISTER_IP: '1/1d',
      RATE_LIMIT_RESET_IP: '2/3600',
      RATE_LIMIT_INTROSPECT_IP: '50/1m',
      RATE_LIMIT_DEFAULT_IP: '1000/1m',
    });
    expect(config.rateLimitRules).toEqual({
      loginAccount: { max: 3, windowSeconds: 600 },
      loginIp: { max: 100, windowSeconds: 30 },
      registerIp: { max: 1, windowSeconds: 86_400 },
      resetIp: { max: 2, windowSeconds: 3600 },
      introspectIp: { max: 50, windowSeconds: 60 },
      defaultIp: { max: 1000, windowSeconds: 60 },
    });
    for (const value of ['five', '5', '5/', '/15m', '0/15m', '-1/15m', '5/soon', '5/15m/2', '5 per 15m', '1.5/1m']) {
      expect(refusal({ RATE_LIMIT_RESET_IP: value }).variable).toBe('RATE_LIMIT_RESET_IP');
    }
  });

  it('reads booleans', () => {
    for (const value of ['true', 'TRUE', '1', 'yes']) expect(load({ TRUST_PROXY: value }).trustProxy).toBe(true);
    for (const value of ['false', 'False', '0', 'no']) expect(load({ TRUST_PROXY: value }).trustProxy).toBe(false);
    expect(refusal({ TRUST_PROXY: 'maybe' }).variable).toBe('TRUST_PROXY');
  });

  it('accepts the documented database URLs and refuses others', () => {
    for (const url of [
      'sqlite::memory:',
      'sqlite:/var/lib/keyway.sqlite',
      'sqlite:./data/k.sqlite',
      'postgresql://u@h/db',
    ]) {
      expect(load({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
    for (const url of ['mysql://user:hunter2@host/db', 'sqlite:', 'postgres://host', 'keyway.sqlite', 'file:x.db']) {
      const error = refusal({ DATABASE_URL: url });
      expect(error.variable).toBe('DATABASE_URL');
      // A URL may hold a password: the message does not repeat it.
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('requires a JWT secret of at least 32 bytes', () => {
    expect(refusal({ JWT_SECRET: 'too-short' }).variable).toBe('JWT_SECRET');
    expect(refusal({ JWT_SECRET: 'x'.repeat(31) }).message).toMatch(/^JWT_SECRET must be at least 32 bytes/);
    expect(load({ JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toBe('x'.repeat(32));
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(load({ JWT_SECRET: '€'.repeat(11) }).jwtSecret).toBe('€'.repeat(11));
  });

  it('applies the strict production checks', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: secret, DATA_ENCRYPTION_KEY: dataKey };
    expect(refusal({ ...production, JWT_SECRET: undefined })).toMatchObject({ variable: 'JWT_SECRET' });
    expect(refusal({ ...production, JWT_SECRET: '' }).message).toBe('JWT_SECRET is required in production');
    expect(refusal({ ...production, BCRYPT_COST: '8' }).message).toBe('BCRYPT_COST must be at least 10 in production');
    expect(load({ ...production, BCRYPT_COST: '10' }).bcryptCost).toBe(10);
    // Long enough is not random enough: one letter 48 times, or a few letters repeated.
    for (const weak of ['a'.repeat(48), 'abcdefghijklmno'.repeat(4)]) {
      expect(refusal({ ...production, JWT_SECRET: weak }).message).toBe(
        'JWT_SECRET must look random in production (at least 16 distinct characters)',
      );
      expect(load({ JWT_SECRET: weak }).jwtSecret).toBe(weak);
    }
    expect(load({ ...production, JWT_SECRET: 'abcdefghijklmnop'.repeat(3) }).jwtSecret).toHaveLength(48);
    // Development and tests may use cheap hashing.
    expect(load({ BCRYPT_COST: '4' }).bcryptCost).toBe(4);
    expect(load({ NODE_ENV: 'test', BCRYPT_COST: '4' }).bcryptCost).toBe(4);
    // And nothing else: SQLite and every mail transport stay allowed.
    expect(load({ ...production, DATABASE_URL: 'sqlite::memory:', MAIL_TRANSPORT: 'console' })).toMatchObject({
      databaseUrl: 'sqlite::memory:',
      mailTransport: 'console',
    });
  });

  it('refuses a bad value of every kind, naming the variable', () => {
    const cases: Array<[string, string]> = [
      ['NODE_ENV', 'staging'],
      ['PORT', 'abc'],
      ['PORT', '65536'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['WEB_PORT', 'web'],
      ['BCRYPT_COST', '3'],
      ['BCRYPT_COST', '21'],
      ['BCRYPT_COST', 'twelve'],
      ['APP_URL', 'ftp://example.com'],
      ['APP_URL', 'not a url'],
      ['MAIL_TRANSPORT', 'ftp://x'],
      ['MAIL_TRANSPORT', 'file:'],
      ['MAIL_TRANSPORT', 'sendmail'],
      ['RATE_LIMIT_STORE', 'memcached://x'],
      ['RATE_LIMIT_LOGIN_IP', 'five'],
      ['RATE_LIMIT_DEFAULT_IP', '300'],
      ['CORS_ORIGINS', 'localhost:5173'],
      ['CORS_ORIGINS', 'http://ok.example, https://with.path/app'],
      ['CORS_ORIGINS', '*'],
      ['LOG_LEVEL', 'loud'],
      ['REGISTER_ENUMERATION_SAFE', 'perhaps'],
      ['TRUST_PROXY', 'maybe'],
      ['ACCESS_TOKEN_TTL', 'soon'],
      ['VERIFY_TOKEN_TTL', '-1h'],
      ['MAIL_RETRY_FOR', 'forever'],
      ['AUDIT_RETENTION', 'forever'],
      ['MIGRATE_ON_START', 'sometimes'],
      ['DATABASE_POOL_MAX', '0'],
      ['METRICS', 'on-ish'],
      ['METRICS_TOKEN', 'short'],
      ['METRICS_TOKEN', 'has a space in it somewhere'],
      ['DATA_ENCRYPTION_KEY', 'not base64!'],
      ['DATA_ENCRYPTION_KEY', Buffer.alloc(16).toString('base64')],
    ];
    for (const [variable, value] of cases) {
      const error = refusal({ [variable]: value });
      expect(error.variable, `${variable}=${value}`).toBe(variable);
      expect(error.message.startsWith(`${variable} `)).toBe(true);
      expect(error.message).not.toContain('\n');
    }
  });

  it('keeps the message on one line whatever the value holds', () => {
    const error = refusal({ PORT: '80\n81\r\n' });
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message).toContain('80\\n81\\r\\n');
  });

  it('reads a comma-separated CORS allow-list, in the form browsers send Origin', () => {
    expect(
      load({ CORS_ORIGINS: 'http://localhost:5173, https://App.Example.com/ ,https://x.example:443,' }).corsOrigins,
    ).toEqual(['http://localhost:5173', 'https://app.example.com', 'https://x.example']);
  });
});
