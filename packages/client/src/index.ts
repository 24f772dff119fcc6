/**
 * @keyway/client: the typed client of the Keyway API for browsers and Node 20+.
 *
 *   const kw = createKeywayClient({ url: 'http://localhost:3000', tokens: localStorageTokens() });
 *   await kw.auth.login.mutate({ email, password }); // the pair is stored for you
 *   const { user } = await kw.users.me.query();      // the access token is attached for you
 */

// The server's own input schemas, for forms that validate before they send.
export {
  changePasswordInput,
  confirmEmailChangeInput,
  deleteAccountInput,
  emailSchema,
  loginInput,
  logoutInput,
  mfaDisableInput,
  mfaEnableInput,
  mfaSetupInput,
  passwordSchema,
  refreshInput,
  registerInput,
  requestEmailChangeInput,
  requestPasswordResetInput,
  resetPasswordInput,
  verifyEmailInput,
  verifyMfaInput,
} from '@keyway/api/schemas';
export { TRPCClientError } from '@trpc/client';
export {
  type BearerSessionOptions,
  createKeywayClient,
  type KeywayClient,
  type KeywayClientOptions,
  type KeywayFetch,
  sessionOf,
} from './client.js';
export {
  errorCodeOf,
  type FieldErrors,
  fieldErrorsOf,
  isKeywayError,
  type KeywayClientError,
  retryAfterOf,
} from './errors.js';
export type { KeywaySession, SessionState, SessionStatus } from './session-state.js';
export {
  type LocalStorageTokensOptions,
  localStorageTokens,
  memoryTokens,
  type StorageLike,
  type TokenPair,
  type TokenStore,
} from './token-store.js';
export type { AppRouter, KeywayErrorCode, RouterInputs, RouterOutputs, User } from './types.js';
