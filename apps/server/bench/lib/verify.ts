/**
 * The token check of the two ceiling servers, and how they are served: the same jsonwebtoken call Keyway's token
 * signer makes (a KeyObject made once, HS256 pinned, issuer, audience and the clock
 * checked), then the same claim checks. No database, no rate limit, no log.
 */
import { createSecretKey } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/**
 * Runs a ceiling server as Keyway runs its own (keep-alive 65 s), tells the parent which port
 * it listens on (over the IPC channel of `fork`), and stops it on SIGTERM or when the parent
 * goes away.
 */
export function serveCeiling(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () =>
    process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port }),
  );
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}
