/**
 * `GET /.well-known/jwks.json`: the public keys that verify Keyway's tokens (ES256), for
 * other services (packages/verify does this). With HS256 the set is empty: that key is a
 * shared secret and is never published. Cacheable for a few minutes; a verifier that meets
 * a `kid` it does not know fetches the set again, so a rotation does not wait for the cache.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PublicJwk } from '@keyway/auth-core';

export const jwksPath = '/.well-known/jwks.json';
export const jwksMaxAgeSeconds = 300;

export function createJwksRoute(jwks: { keys: PublicJwk[] }) {
  // Built once: the keys change only with a restart.
  const body = JSON.stringify(jwks);
  /** Serves the request and returns true when it is this route; false touches nothing. */
  return (request: IncomingMessage, response: ServerResponse, path: string): boolean => {
    if (path !== jwksPath || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': `public, max-age=${jwksMaxAgeSeconds}`,
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };
}
