/**
 * What the token tests (tokens.test.ts, tokens-es256.test.ts) share: one signer
 * configuration, one subject, the claims of a valid access token, and JWTs put together by
 * hand, as an attacker would.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { TokenConfig } from '../tokens.js';

export const testTokenSecret = 'a-test-secret-that-is-long-enough-0123456789';

export const testTokenConfig: TokenConfig = {
  secret: testTokenSecret,
  issuer: 'keyway',
  audience: 'keyway',
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * 86_400,
};

export const testSubject = { userId: randomUUID(), sessionId: randomUUID() };

/** The test clock's start: `now` is its time in seconds. */
export const tokenTestStart = new Date('2026-03-01T12:00:00Z');

/** The claims of a valid access token for `testSubject` issued at `now` (seconds), to be tampered with. */
export const validAccessClaims = (now: number, overrides: object = {}) => ({
  sub: testSubject.userId,
  sid: testSubject.sessionId,
  jti: randomUUID(),
  typ: 'access',
  iat: now,
  exp: now + 900,
  iss: 'keyway',
  aud: 'keyway',
  ...overrides,
});

export const base64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An HMAC-signed JWT put together by hand: any header, any payload, any key (`null`: no signature). */
export function forgeHmac(header: object, payload: object, key: string | null = testTokenSecret, digest = 'sha256') {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  const signature = key === null ? '' : createHmac(digest, key).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}
