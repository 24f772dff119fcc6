/**
 * The shared test harness of Keyway's packages: real databases, a real SMTP mailbox, and a
 * configured core on top. Other packages build their harnesses on this one.
 */
import { Secret, TOTP } from 'otpauth';
import { createManualClock } from '../clock.js';
import { type AuthCoreConfig, createAuthCore } from '../core.js';
import { type AuthErrorCode, isAuthError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Dialect, migrate, openOrm } from '../orm.js';
import { createPasswordHasher, type PasswordHasher } from '../passwords.js';
import type { AuthService, LoginResult, MfaRequiredResult } from '../services/auth.service.js';
import { createTestDatabase } from './database.js';
import { createTestMailbox } from './mailbox.js';

export {
  createTestDatabase,
  isReachable,
  postgresAdminUrl,
  redisTestUrl,
  shouldTestRedis,
  type TestDatabase,
  testDialects,
} from './database.js';
export { createTestMailbox, type ReceivedMail, type TestMailbox } from './mailbox.js';
export {
  createMemoryRepositories,
  type MemoryEmailToken,
  type MemoryRepositories,
  type MemorySession,
} from './memory-repositories.js';

/** Resolves to the AuthError code the promise rejects with (fails when it resolves). */
export async function authErrorCodeOf(promise: Promise<unknown>): Promise<AuthErrorCode> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  if (!isAuthError(error)) throw error;
  return error.code;
}

/** A login answer's tokens; throws when the account asked for its second factor instead. */
export function expectTokens(answer: LoginResult | MfaRequiredResult): LoginResult {
  if ('mfaRequired' in answer) throw new Error('Expected a token pair, got mfaRequired');
  return answer;
}

export type PasswordLoginAuthService = Omit<AuthService, 'login'> & {
  login(input: Parameters<AuthService['login']>[0]): Promise<LoginResult>;
};

/** The auth service with `login` answering tokens only: for tests of accounts without MFA. */
export function passwordLoginOnly(service: AuthService): PasswordLoginAuthService {
  return { ...service, login: async (input) => expectTokens(await service.login(input)) };
}

/**
 * The TOTP code of a base32 secret at a time, from `otpauth` directly (the reference
 * implementation; the code under test is mfa/totp.ts), as an authenticator app would show it.
 */
export function totpCodeAt(secret: string, at: Date): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at.getTime() });
}

/** A fixed data-encryption key (32 bytes, base64url) for tests. */
export const testDataEncryptionKey = 'dGVzdC1kYXRhLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU';

/** bcrypt's minimum cost: tests measure behaviour, not hashing speed. */
export const testBcryptCost = 4;

export function testCoreConfig(overrides: Partial<AuthCoreConfig> = {}): AuthCoreConfig {
  return {
    jwtSecret: 'test-secret-test-secret-test-secret-0123456789',
    jwtIssuer: 'keyway',
    jwtAudience: 'keyway',
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 30 * 86_400,
    refreshReuseGraceSeconds: 10,
    resetTokenTtlSeconds: 3600,
    verifyTokenTtlSeconds: 86_400,
    bcryptCost: testBcryptCost,
    appUrl: 'http://localhost:5173',
    mailTransport: 'console',
    mailFrom: 'Keyway <no-reply@localhost>',
    dataEncryptionKey: Buffer.from(testDataEncryptionKey, 'base64url'),
    mailRetryForSeconds: 86_400,
    registerEnumerationSafe: false,
    ...overrides,
  };
}

let sharedHasher: Promise<PasswordHasher> | undefined;

/** One hasher at the test cost, made once per test file: unit suites need not build their own. */
export function testPasswordHasher(): Promise<PasswordHasher> {
  sharedHasher ??= createPasswordHasher({ cost: testBcryptCost });
  return sharedHasher;
}

/** A migrated database, a core on it with a manual clock and a real SMTP mailbox. */
export async function createTestCore(
  options: { dialect?: Dialect; file?: boolean; config?: Partial<AuthCoreConfig>; logger?: Logger } = {},
) {
  const database = await createTestDatabase(options.dialect ?? 'sqlite', { file: options.file });
  const orm = await openOrm({ databaseUrl: database.url });
  await migrate(orm);
  const mailbox = await createTestMailbox();
  const clock = createManualClock(new Date());
  const config = testCoreConfig({ mailTransport: mailbox.url, ...options.config });
  const passwords = config.bcryptCost === testBcryptCost ? await testPasswordHasher() : undefined;
  const core = await createAuthCore({ orm, config, clock, passwords, logger: options.logger });
  return {
    core,
    orm,
    clock,
    mailbox,
    config,
    database,
    async close() {
      await core.close();
      await orm.close(true);
      await mailbox.close();
      await database.drop();
    },
  };
}

export type TestCore = Awaited<ReturnType<typeof createTestCore>>;
