export {
  type AccountBackoff,
  type AccountBackoffRule,
  type BackoffCounter,
  type BackoffState,
  backoffDelayMs,
  backoffForgetMs,
  backoffPendingStaleMs,
  createAccountBackoff,
  createMemoryBackoffCounter,
  defaultAccountBackoffRule,
} from './account-backoff.js';
export { type AccountDetails, type AccountSummary, type Admin, createAdmin } from './admin.js';
export { type Clock, createManualClock, systemClock } from './clock.js';
export { type AuthCore, type AuthCoreConfig, type AuthCoreOptions, type AuthServices, createAuthCore } from './core.js';
export { isDatabaseUnavailable } from './database-errors.js';
export { parseDurationSeconds } from './duration.js';
export {
  createDataCipher,
  type DataCipher,
  dataEncryptionKeyBytes,
  type EncryptedValue,
  generateDataEncryptionKey,
  parseDataEncryptionKey,
} from './encryption.js';
export { AuthError, type AuthErrorCode, authErrorCodes, isAuthError } from './errors.js';
export { type Logger, silentLogger } from './logger.js';
export { type MailCount, type MailThrottle, unlimitedMail } from './mail/mail-throttle.js';
export { checkMailTransport, createMailSender, type MailMessage, type MailSender } from './mail/mailer.js';
export type { MailOutcome } from './mail/outbox-worker.js';
export {
  type DatabaseTarget,
  type Dialect,
  isDatabaseReachable,
  migrate,
  type Orm,
  openOrm,
  parseDatabaseUrl,
} from './orm.js';
export {
  checkPasswordPolicy,
  isWellFormed,
  maxPasswordLength,
  minPasswordLength,
  passwordLength,
} from './password-policy.js';
export { createPasswordHasher, type PasswordHasher } from './passwords.js';
export type { SecurityEventRecord, SecurityEventRepository, UserRecord } from './repositories/types.js';
export type { EventClient, SecurityEventRecorder, SecurityEventType } from './security-events.js';
export type {
  ClientInfo,
  Introspection,
  LoginResult,
  MfaRequiredResult,
  TokenPair,
} from './services/auth.service.js';
export type { Authenticate, Principal } from './services/authenticate.js';
export type { SessionInfo } from './services/session.service.js';
export {
  generateSigningKeyPem,
  type JwtAlgorithm,
  jwtAlgorithms,
  type PublicJwk,
  publicJwk,
  publicKeyPem,
  readPrivateSigningKey,
  readPublicSigningKeys,
} from './signing-keys.js';
export { minimumSecretBytes, type TokenClaims, type TokenSigner, type TokenType } from './tokens.js';
