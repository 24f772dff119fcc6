/**
 * Verifies Keyway access tokens in another service, with no secret: ES256 signatures are
 * checked against the public keys Keyway publishes at `/.well-known/jwks.json`, fetched and
 * cached by jose's remote JWK set (a token naming a key not in the cache fetches the set
 * again, at most once per 30 s, so a key rotation is picked up without a restart and a
 * flood of made-up `kid`s cannot turn into a flood of fetches). The algorithm, issuer,
 * audience and token type are pinned; nothing is taken from the token's own header but the
 * `kid` that picks among Keyway's keys.
 *
 * A signature says the token was issued; it cannot say it was not revoked since (a logout,
 * a disabled user). `checkRevocation` asks Keyway's `auth.introspect` for that, one request
 * per call: use it where acting on a revoked token for the rest of its lifetime (15 minutes
 * by default) is not acceptable.
 */
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';

export interface VerifierOptions {
  /** Keyway's `JWT_ISSUER` (default `keyway`). */
  issuer: string;
  /** Keyway's `JWT_AUDIENCE` (default `keyway`). */
  audience: string;
  /** Keyway's JWK set, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  jwksUrl: string | URL;
  /**
   * Where `checkRevocation` asks; default `GET /trpc/auth.introspect` at the origin of
   * `jwksUrl`. Set it when Keyway's API is served under a path or another host.
   */
  introspectUrl?: string | URL;
  /** Milliseconds a JWK set or introspection request may take (default 5000). */
  timeoutMs?: number;
}

export interface VerifyOptions {
  /** Also ask Keyway whether the token was revoked (one HTTP request). */
  checkRevocation?: boolean;
}

/** The claims of a Keyway access token. */
export interface KeywayClaims extends JWTPayload {
  /** The user's id. */
  sub: string;
  /** The login session's id. */
  sid: string;
  jti: string;
  typ: 'access';
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
}

/**
 * Why a token was not accepted. `unavailable` is about the verifier, not the token (Keyway
 * could not be reached for its keys or for the revocation check): answer 503, not 401.
 */
export type VerifyFailure = 'invalid' | 'expired' | 'revoked' | 'unavailable';

export class KeywayVerifyError extends Error {
  override readonly name = 'KeywayVerifyError';
  constructor(
    readonly reason: VerifyFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Verifier {
  /** Resolves to the token's claims, or rejects with a KeywayVerifyError. */
  verify(token: string, options?: VerifyOptions): Promise<KeywayClaims>;
}

/** How long an unknown `kid` waits before the JWK set is fetched again (jose's cooldown). */
export const jwksRefetchCooldownMs = 30_000;

function isKeywayClaims(payload: JWTPayload): payload is KeywayClaims {
  return (
    typeof payload.sub === 'string' &&
    typeof payload.sid === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload.iat === 'number' &&
    typeof payload.exp === 'number' &&
    payload.typ === 'access'
  );
}

/** jose's verification errors, sorted into what a caller can act on. */
function failureOf(error: unknown): KeywayVerifyError {
  if (error instanceof KeywayVerifyError) return error;
  if (error instanceof errors.JWTExpired)
    return new KeywayVerifyError('expired', 'Token has expired', { cause: error });
  const keysUnreachable =
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    // jose's generic error is its "the JWK set answered with another status than 200".
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') ||
    (error instanceof Error && !(error instanceof errors.JOSEError));
  if (keysUnreachable) {
    // Not an answer about the token: the key set could not be fetched (network, timeout, status).
    return new KeywayVerifyError('unavailable', 'Keyway signing keys could not be fetched', { cause: error });
  }
  return new KeywayVerifyError('invalid', 'Token is not valid', { cause: error });
}

export function createVerifier(options: VerifierOptions): Verifier {
  const jwksUrl = new URL(options.jwksUrl);
  const introspectUrl = new URL(options.introspectUrl ?? '/trpc/auth.introspect', jwksUrl.origin);
  const timeoutMs = options.timeoutMs ?? 5000;
  const keys = createRemoteJWKSet(jwksUrl, { cooldownDuration: jwksRefetchCooldownMs, timeoutDuration: timeoutMs });

  /** Keyway's answer for this token right now; throws `unavailable` when there is none. */
  async function isActive(token: string, subject: string): Promise<boolean> {
    const url = new URL(introspectUrl);
    url.searchParams.set('input', JSON.stringify({ token }));
    let body: { result?: { data?: { active?: unknown; sub?: unknown } } };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`auth.introspect answered HTTP ${response.status}`);
      body = (await response.json()) as typeof body;
    } catch (cause) {
      throw new KeywayVerifyError('unavailable', 'Keyway could not be asked whether the token is revoked', { cause });
    }
    const data = body.result?.data;
    if (typeof data?.active !== 'boolean') {
      throw new KeywayVerifyError('unavailable', 'auth.introspect gave an answer that is not an introspection');
    }
    return data.active && data.sub === subject;
  }

  return {
    async verify(token, verifyOptions = {}) {
      let claims: KeywayClaims;
      try {
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ['ES256'],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        });
        if (!isKeywayClaims(payload)) throw new KeywayVerifyError('invalid', 'Token is not a Keyway access token');
        claims = payload;
      } catch (error) {
        throw failureOf(error);
      }
      if (verifyOptions.checkRevocation && !(await isActive(token, claims.sub))) {
        throw new KeywayVerifyError('revoked', 'Token has been revoked');
      }
      return claims;
    },
  };
}
