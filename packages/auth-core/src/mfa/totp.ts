/**
 * TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps) through the `otpauth` library, and
 * the recovery codes that stand in for it. A code is matched against the current step and
 * one step either side (clock skew), never more; the step it matched is returned so the
 * caller can accept each step once.
 */
import { Secret, TOTP } from 'otpauth';
import { hashSecretToken } from '../secrets.js';

const algorithm = 'SHA1';
const digits = 6;
const periodSeconds = 30;
/** 160 bits, the size RFC 4226 recommends for an HMAC-SHA-1 key. */
const secretBytes = 20;
/** Recovery codes carry 80 random bits: hashing them with plain SHA-256 is then enough. */
const recoveryCodeBytes = 10;
export const recoveryCodeCount = 10;

/** A new random secret, base32 as authenticator apps take it. */
export function generateTotpSecret(): string {
  return new Secret({ size: secretBytes }).base32;
}

/** The `otpauth://totp/...` URL an authenticator app reads from a QR code. */
export function totpUrl(input: { secret: string; issuer: string; account: string }): string {
  return new TOTP({
    issuer: input.issuer,
    label: input.account,
    secret: Secret.fromBase32(input.secret),
    algorithm,
    digits,
    period: periodSeconds,
  }).toString();
}

/** Spaces and dashes a user may type or paste are not part of a code. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** Whether the (normalised) code has the shape of a TOTP code rather than a recovery code. */
export const looksLikeTotp = (code: string): boolean => /^\d{6}$/.test(code);

/** The time step (of now, the one before or the one after) the code is right for, or null. */
export function matchTotpStep(secret: string, code: string, now: Date): number | null {
  if (!looksLikeTotp(code)) return null;
  const timestamp = now.getTime();
  // otpauth compares the codes in constant time.
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    algorithm,
    digits,
    period: periodSeconds,
    timestamp,
    window: 1,
  });
  return delta === null ? null : TOTP.counter({ period: periodSeconds, timestamp }) + delta;
}

/** A new recovery code as shown to the user: `xxxx-xxxx-xxxx-xxxx`, base32, lower-case. */
export function generateRecoveryCode(): string {
  return new Secret({ size: recoveryCodeBytes }).base32.toLowerCase().replace(/(.{4})(?=.)/g, '$1-');
}

/** What is stored of a recovery code: the SHA-256 of its normalised form. */
export const hashRecoveryCode = (code: string): string => hashSecretToken(normalizeCode(code));
