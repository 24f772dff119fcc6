export {
  createVerifier,
  jwksRefetchCooldownMs,
  type KeywayClaims,
  KeywayVerifyError,
  type Verifier,
  type VerifierOptions,
  type VerifyFailure,
  type VerifyOptions,
} from './verifier.js';
