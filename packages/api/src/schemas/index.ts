/**
 * Input and output schemas of every procedure. A leaf module that imports only zod, so the
 * client and the demo's forms validate with exactly the rules the server applies.
 */
import { z } from 'zod';

const minPasswordLength = 8;
const maxPasswordLength = 128;
/** Characters as auth-core counts them: code points of the NFC form, the form passwords are hashed in. */
const codePoints = (value: string) => [...value.normalize('NFC')].length;

/** Trimmed and lower-cased before it is checked, so `A@B.com ` and `a@b.com` are one account. */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Email is required')
  .max(254, 'Email must be at most 254 characters')
  .pipe(z.email('Enter a valid email address'));

/**
 * A lone surrogate (half of a UTF-16 pair) becomes U+FFFD when encoded, so two different
 * inputs would hash alike: every password field refuses one. Kept in step with auth-core's
 * `isWellFormed` by schemas/index.test.ts.
 */
const wellFormed = (value: string) => !/\p{Cs}/u.test(value);
const wellFormedMessage = 'Password must be valid Unicode text (no unpaired surrogate characters)';
/** A password as typed at sign-in: only its shape is checked. */
const enteredPassword = (required: string) =>
  z.string().min(1, required).max(1024).refine(wellFormed, wellFormedMessage);

/** Any Unicode, counted in characters (code points), never trimmed. */
export const passwordSchema = z
  .string()
  .refine(wellFormed, { message: wellFormedMessage, abort: true })
  .refine(
    (value) => codePoints(value) >= minPasswordLength,
    `Password must be at least ${minPasswordLength} characters`,
  )
  .refine(
    (value) => codePoints(value) <= maxPasswordLength,
    `Password must be at most ${maxPasswordLength} characters`,
  );

/** Emailed and JWT tokens: opaque, bounded so a huge string is refused before any work. */
const tokenSchema = z.string().min(1, 'Token is required').max(4096, 'Token is too long');

export const credentialsInput = z.object({ email: emailSchema, password: passwordSchema });
export const registerInput = credentialsInput;
/** Login checks only the shape: the policy applies to new passwords, not to existing ones. */
export const loginInput = z.object({ email: emailSchema, password: enteredPassword('Password is required') });
/** Without a refresh token (or input at all), a cookie-mode call uses the refresh cookie. */
export const refreshInput = z.object({ refreshToken: tokenSchema.optional() }).optional();
export const introspectInput = z.object({ token: tokenSchema });
export const logoutInput = z.object({ refreshToken: tokenSchema.optional() }).optional();
export const changePasswordInput = z.object({
  currentPassword: enteredPassword('Current password is required'),
  newPassword: passwordSchema,
});
export const deleteAccountInput = z.object({ password: enteredPassword('Password is required') });
export const requestPasswordResetInput = z.object({ email: emailSchema });
export const resetPasswordInput = z.object({ token: tokenSchema, newPassword: passwordSchema });
export const verifyEmailInput = z.object({ token: tokenSchema });
export const checkResetTokenInput = z.object({ token: tokenSchema });

/** A password being checked (not chosen): only its shape, like login's. */
const passwordCheckSchema = enteredPassword('Password is required');
/** A TOTP code (`123456`, `123 456`) or a recovery code (`abcd-efgh-...`), bounded before any work. */
const mfaCodeSchema = z.string().trim().min(1, 'Code is required').max(64, 'Code is too long');
export const mfaSetupInput = z.object({ password: passwordCheckSchema });
/** The new address is read exactly like a registration's; the password is checked, not chosen. */
export const requestEmailChangeInput = z.object({ newEmail: emailSchema, password: passwordCheckSchema });
export const confirmEmailChangeInput = z.object({ token: tokenSchema });
export const mfaEnableInput = z.object({ code: mfaCodeSchema });
export const mfaDisableInput = z.object({ password: passwordCheckSchema, code: mfaCodeSchema });
export const verifyMfaInput = z.object({ mfaToken: tokenSchema, code: mfaCodeSchema });

/**
 * A Date sent as an ISO-8601 string. A codec rather than a transform, so the output side is
 * a schema of its own and the OpenAPI document can describe it.
 */
const isoDate = z.codec(z.date(), z.string().meta({ format: 'date-time' }), {
  decode: (date) => date.toISOString(),
  encode: (text) => new Date(text),
});

export const userOutput = z.object({
  id: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  mfaEnabled: z.boolean(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export const userResultOutput = z.object({ user: userOutput });
export const tokenPairOutput = z.object({
  accessToken: z.string(),
  /** Left out of the answer in cookie mode, where it travels in the HttpOnly cookie instead. */
  refreshToken: z
    .string()
    .optional()
    .describe('Absent in cookie mode (X-Keyway-Session: cookie): the refresh token is in the HttpOnly cookie.'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
});
/** A signed-in answer: the pair and the user (a login without MFA, or a completed `auth.verifyMfa`). */
export const loginSuccessOutput = tokenPairOutput.extend({ user: userOutput });
/** A right password of an account with MFA on: no tokens, a second step to take with `auth.verifyMfa`. */
export const mfaRequiredOutput = z.object({ mfaRequired: z.literal(true), mfaToken: z.string() });
export const loginOutput = z.union([loginSuccessOutput, mfaRequiredOutput]);
export const verifyMfaOutput = loginSuccessOutput;
export const mfaSetupOutput = z.object({ secret: z.string(), otpauthUrl: z.string() });
export const mfaEnableOutput = z.object({ recoveryCodes: z.array(z.string()) });
export const successOutput = z.object({ success: z.literal(true) });
export const checkResetTokenOutput = z.object({ valid: z.boolean() });
/** Whether an access token is valid and unrevoked right now; nothing more about an inactive one. */
export const introspectOutput = z.union([
  z.object({ active: z.literal(false) }),
  z.object({ active: z.literal(true), sub: z.string(), sid: z.string(), exp: z.number().int() }),
]);

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * A session id. Anything that is not a UUID cannot be any session's: it becomes `null`, which
 * the service answers like an unknown id (NOT_FOUND), and never reaches the database, where
 * PostgreSQL's uuid column would refuse it as an error.
 */
const sessionIdSchema = z
  .string()
  .trim()
  .min(1, 'Session id is required')
  .max(128, 'Session id is too long')
  .transform((id) => (uuidPattern.test(id) ? id.toLowerCase() : null));
export const revokeSessionInput = z.object({ sessionId: sessionIdSchema });
export const sessionOutput = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: isoDate,
  lastUsedAt: isoDate,
  expiresAt: isoDate,
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
});
export const sessionListOutput = z.object({ sessions: z.array(sessionOutput) });
export const revokeOthersOutput = z.object({ success: z.literal(true), revoked: z.number().int() });

/** How many security events one call lists: 50 unless asked, at most 200. The input may be left out. */
export const securityEventsInput = z
  .object({
    limit: z
      .number()
      .int('Limit must be a whole number')
      .min(1, 'Limit must be at least 1')
      .max(200, 'Limit must be at most 200')
      .default(50),
  })
  .prefault({});
export const securityEventOutput = z.object({
  type: z.string(),
  at: isoDate,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export const securityEventsOutput = z.object({ events: z.array(securityEventOutput) });

export type User = z.output<typeof userOutput>;
