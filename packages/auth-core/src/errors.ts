/**
 * Domain errors, defined once. The API layer maps each code to a transport error in a
 * single table; nothing below the API knows about HTTP or tRPC.
 */
export const authErrorCodes = [
  'INVALID_CREDENTIALS',
  'EMAIL_TAKEN',
  'WEAK_PASSWORD',
  'CURRENT_PASSWORD_INVALID',
  'TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'RESET_TOKEN_INVALID',
  'VERIFY_TOKEN_INVALID',
  'EMAIL_CHANGE_TOKEN_INVALID',
  'TOO_MANY_ATTEMPTS',
  'ACCOUNT_DISABLED',
  'SESSION_NOT_FOUND',
  'MFA_CODE_INVALID',
  'MFA_TOKEN_INVALID',
  'MFA_ALREADY_ENABLED',
  'MFA_NOT_ENABLED',
  'MFA_SETUP_REQUIRED',
] as const;

export type AuthErrorCode = (typeof authErrorCodes)[number];

const defaultMessages: Record<AuthErrorCode, string> = {
  INVALID_CREDENTIALS: 'Invalid email or password',
  EMAIL_TAKEN: 'An account with this email already exists',
  WEAK_PASSWORD: 'Password does not meet the policy',
  CURRENT_PASSWORD_INVALID: 'Current password is incorrect',
  TOKEN_INVALID: 'Invalid or expired token',
  REFRESH_TOKEN_REUSED: 'Refresh token has already been used; the session has been revoked',
  RESET_TOKEN_INVALID: 'Invalid, used or expired password reset token',
  VERIFY_TOKEN_INVALID: 'Invalid, used or expired verification token',
  EMAIL_CHANGE_TOKEN_INVALID: 'Invalid, used or expired email change link',
  TOO_MANY_ATTEMPTS: 'Too many failed attempts for this account; try again later',
  ACCOUNT_DISABLED: 'This account is disabled',
  SESSION_NOT_FOUND: 'No such session',
  MFA_CODE_INVALID: 'Invalid or already used code',
  MFA_TOKEN_INVALID: 'Invalid, used or expired MFA token; log in again',
  MFA_ALREADY_ENABLED: 'Two-factor authentication is already enabled',
  MFA_NOT_ENABLED: 'Two-factor authentication is not enabled',
  MFA_SETUP_REQUIRED: 'Start the two-factor setup first',
};

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  /** Field-level messages for errors that concern one input field (a weak password, say). */
  readonly fieldErrors: Record<string, string[]> | undefined;
  /** For `TOO_MANY_ATTEMPTS`: how long to wait, in seconds (the `Retry-After` header). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AuthErrorCode,
    options: { message?: string; fieldErrors?: Record<string, string[]>; retryAfterSeconds?: number } = {},
  ) {
    super(options.message ?? defaultMessages[code]);
    this.code = code;
    this.fieldErrors = options.fieldErrors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}
