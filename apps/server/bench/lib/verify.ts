/**
 * The token check of the two ceiling servers: the same jsonwebtoken call Keyway's token
 * signer makes (a KeyObject made once, HS256 pinned, issuer, audience and the clock
 * checked), then the same claim checks. No database, no rate limit, no log.
 */
import { createSecretKey } from 'node:crypto';
import { jwt } from './native.js';

export interface CeilingEnv {
  /** The JWT secret of the Keyway server under test. */
  secret: string;
  issuer: string;
  audience: string;
  /** `result.data` of Keyway's own `users.me` answer, returned verbatim. */
  data: unknown;
}

export function readCeilingEnv(): CeilingEnv {
  const raw = process.env.BENCH_CEILING;
  if (!raw) throw new Error('BENCH_CEILING is not set');
  return JSON.parse(raw) as CeilingEnv;
}

const bearerPattern = /^Bearer\s+(\S+)\s*$/i;

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  return bearerPattern.exec(header)?.[1] ?? null;
}

export function createVerifier(env: CeilingEnv) {
  const key = createSecretKey(Buffer.from(env.secret, 'utf8'));
  const options = { algorithms: ['HS256'] as ['HS256'], issuer: env.issuer, audience: env.audience };
  return (token: string | null): { sub: string } | null => {
    if (!token) return null;
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, { ...options, clockTimestamp: Math.floor(Date.now() / 1000) });
    } catch {
      return null;
    }
    if (typeof payload !== 'object' || payload === null) return null;
    const claims = payload as Record<string, unknown>;
    return typeof claims.sub === 'string' &&
      typeof claims.sid === 'string' &&
      typeof claims.jti === 'string' &&
      typeof claims.exp === 'number' &&
      typeof claims.iat === 'number' &&
      claims.typ === 'access'
      ? { sub: claims.sub }
      : null;
  };
}

/** Tells the parent which port the child listens on (over the IPC channel of `fork`). */
export function announce(port: number): void {
  process.send?.({ type: 'listening', port });
}
