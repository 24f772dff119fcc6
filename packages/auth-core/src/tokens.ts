/**
 * JWT access and refresh tokens, signed with one algorithm chosen at start: HS256 (the
 * default) with the shared secret, or ES256 with the current private key (other services
 * then verify with the public keys alone; signing-keys.ts). The algorithm is pinned on
 * verify, never read from the token (so `none`, the other one, and an HS256 token "signed"
 * with a public key are all refused); `iss`, `aud` and `exp` always checked; a `typ` claim
 * keeps access and refresh tokens from standing in for each other. Keys are KeyObjects made
 * once: jsonwebtoken verifies ~45x faster with one than with a string secret.
 */
import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Clock } from './clock.js';
import { type JwtAlgorithm, type PublicJwk, publicJwk, verificationKeys } from './signing-keys.js';

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
  /** `HS256` (default): signed and verified with `secret`. `ES256`: signed with `privateKey`. */
  algorithm?: JwtAlgorithm;
  secret: string | Buffer;
  /** ES256: the current key; the only one that signs. */
  privateKey?: KeyObject | null;
  /** ES256: earlier keys' public halves; tokens they signed still verify until they are removed. */
  retiredPublicKeys?: readonly KeyObject[];
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
  /** The public keys that verify tokens, as a JWK set (empty with HS256: its key is secret). */
  jwks(): { keys: PublicJwk[] };
}

export const minimumSecretBytes = 32;

/** How tokens are signed, and which key (with its one algorithm) verifies a given token. */
interface Keying {
  signingKey: KeyObject;
  signOptions: { algorithm: JwtAlgorithm; keyid?: string };
  /** The key and pinned algorithm for this token, or null when no known key can verify it. */
  keyFor(token: string): { key: KeyObject; algorithms: [JwtAlgorithm] } | null;
  publicKeys: PublicJwk[];
}

function hs256Keying(secret: string | Buffer): Keying {
  const key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  if ((key.symmetricKeySize ?? 0) < minimumSecretBytes) {
    throw new Error(`JWT secret must be at least ${minimumSecretBytes} bytes`);
  }
  // One key, so no header is read: the verify path stays what it was.
  const verification = { key, algorithms: ['HS256'] as [JwtAlgorithm] };
  return { signingKey: key, signOptions: { algorithm: 'HS256' }, keyFor: () => verification, publicKeys: [] };
}

/** The `kid` of a token's header, or null when the header is unreadable or has none. */
function headerKid(token: string): string | null {
  const end = token.indexOf('.');
  if (end < 1) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('utf8'));
    const kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
    return typeof kid === 'string' ? kid : null;
  } catch {
    return null;
  }
}

function es256Keying(privateKey: KeyObject, retired: readonly KeyObject[]): Keying {
  const keys = verificationKeys(privateKey, retired);
  const byKid = new Map(keys.map(({ kid, key }) => [kid, { key, algorithms: ['ES256'] as [JwtAlgorithm] }]));
  const { kid } = publicJwk(privateKey);
  return {
    signingKey: privateKey,
    signOptions: { algorithm: 'ES256', keyid: kid },
    // A token naming no known key is refused before any signature check: a `kid` only picks
    // among our own keys, each of which verifies its own algorithm and no other.
    keyFor: (token) => {
      const tokenKid = headerKid(token);
      return tokenKid === null ? null : (byKid.get(tokenKid) ?? null);
    },
    publicKeys: keys.map(({ key }) => publicJwk(key)),
  };
}

export function createTokenSigner(config: TokenConfig, clock: Clock): TokenSigner {
  let keying: Keying;
  if (config.algorithm === 'ES256') {
    if (!config.privateKey) throw new Error('ES256 signing needs a private key');
    keying = es256Keying(config.privateKey, config.retiredPublicKeys ?? []);
  } else {
    keying = hs256Keying(config.secret);
  }
  const { signingKey, keyFor } = keying;
  const signOptions = { ...keying.signOptions, issuer: config.issuer, audience: config.audience };
  const jwks = { keys: keying.publicKeys };
  const ttlSeconds = { access: config.accessTokenTtlSeconds, refresh: config.refreshTokenTtlSeconds };

  return {
    sign(type, { userId, sessionId, jti = randomUUID(), expiresAt }) {
      const issuedAt = Math.floor(clock.now().getTime() / 1000);
      const expiry = expiresAt ? Math.floor(expiresAt.getTime() / 1000) : issuedAt + ttlSeconds[type];
      const claims = { sub: userId, sid: sessionId, jti, typ: type, iat: issuedAt, exp: expiry };
      const token = jwt.sign(claims, signingKey, signOptions);
      return { token, jti, expiresAt: new Date(expiry * 1000) };
    },

    verify(token, type) {
      const verification = keyFor(token);
      if (!verification) return null;
      let payload: unknown;
      try {
        payload = jwt.verify(token, verification.key, {
          algorithms: verification.algorithms,
          issuer: config.issuer,
          audience: config.audience,
          clockTimestamp: Math.floor(clock.now().getTime() / 1000),
        });
      } catch {
        return null;
      }
      return isClaims(payload) && payload.typ === type ? payload : null;
    },

    jwks: () => jwks,
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
