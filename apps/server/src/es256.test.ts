/**
 * ES256 over HTTP: tokens signed by the current key and verifiable by anyone with the
 * served JWK set alone, and key rotation across real restarts on one database.
 */
import { createHmac, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { generateSigningKeyPem, publicJwk, publicKeyPem, readPrivateSigningKey } from '@keyway/auth-core';
import { createTestDatabase, type TestDatabase } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  login,
  mutation,
  query,
  register,
  send,
  startTestServer,
  type TestServer,
  testJwtSecret,
} from './testing.js';

const pemA = generateSigningKeyPem();
const pemB = generateSigningKeyPem();
const kidA = publicJwk(readPrivateSigningKey(pemA)).kid;
const kidB = publicJwk(readPrivateSigningKey(pemB)).kid;
const publicPemA = publicKeyPem(readPrivateSigningKey(pemA));

interface Jwks {
  keys: (JsonWebKey & { kid: string; alg: string; use: string })[];
}

const part = (token: string, index: number) =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Record<string, unknown>;

async function jwksOf(url: string): Promise<{ jwks: Jwks; cacheControl: string | null }> {
  const reply = await send(`${url}/.well-known/jwks.json`);
  expect(reply.status).toBe(200);
  return { jwks: reply.json as Jwks, cacheControl: reply.headers.get('cache-control') };
}

/** Verifies a JWT with node:crypto alone, against the key of the served set its `kid` names. */
function verifiedBy(jwks: Jwks, token: string): boolean {
  const kid = part(token, 0).kid;
  const jwk = jwks.keys.find((key) => key.kid === kid);
  if (!jwk) return false;
  const [header, payload, signature] = token.split('.');
  return verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature ?? '', 'base64url'),
  );
}

const me = (url: string, token: string) => query(url, 'users.me', undefined, { token });

describe('ES256 signing, served keys and rotation', () => {
  let database: TestDatabase;
  let server: TestServer | undefined;
  const restart = async (env: Record<string, string>) => {
    await server?.stop();
    server = await startTestServer({ database, env: { JWT_ALGORITHM: 'ES256', ...env } });
    return server.url;
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite', { file: true });
  });
  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  let tokensOfA: { accessToken: string; refreshToken: string };
  let secondRefreshOfA: string;

  it('signs access and refresh tokens with the current key; the served JWK set verifies them', async () => {
    const url = await restart({ JWT_PRIVATE_KEY: pemA });
    await register(url, 'es256@example.com');
    tokensOfA = await login(url, 'es256@example.com');
    secondRefreshOfA = (await login(url, 'es256@example.com')).refreshToken;
    const { jwks, cacheControl } = await jwksOf(url);
    expect(cacheControl).toMatch(/max-age=\d+/);
    expect(jwks.keys).toEqual([{ ...publicJwk(readPrivateSigningKey(pemA)) }]);
    for (const token of [tokensOfA.accessToken, tokensOfA.refreshToken]) {
      expect(part(token, 0)).toEqual({ alg: 'ES256', typ: 'JWT', kid: kidA });
      expect(verifiedBy(jwks, token)).toBe(true);
    }
    expect((await me(url, tokensOfA.accessToken)).status).toBe(200);
  });

  it('answers HEAD like GET without a body, and serves the key set to no other method', async () => {
    const url = await restart({ JWT_PRIVATE_KEY: pemA });
    const head = await send(`${url}/.well-known/jwks.json`, { method: 'HEAD' });
    expect([head.status, head.text, head.headers.get('cache-control')]).toEqual([200, '', 'public, max-age=300']);
    const post = await send(`${url}/.well-known/jwks.json`, { method: 'POST' });
    expect(post.status).not.toBe(200);
    expect(post.text).not.toContain('"keys"');
  });

  it('after a restart with B current and A retired: A’s tokens still work, new ones carry B’s kid, both are served', async () => {
    const url = await restart({ JWT_PRIVATE_KEY: pemB, JWT_RETIRED_PUBLIC_KEYS: publicPemA });
    expect((await me(url, tokensOfA.accessToken)).status).toBe(200);
    const refreshed = dataOf<{ accessToken: string; refreshToken: string }>(
      await mutation(url, 'auth.refresh', { refreshToken: tokensOfA.refreshToken }),
    );
    const fresh = await login(url, 'es256@example.com');
    const { jwks } = await jwksOf(url);
    expect(jwks.keys.map((key) => key.kid)).toEqual([kidB, kidA]);
    for (const token of [refreshed.accessToken, refreshed.refreshToken, fresh.accessToken, fresh.refreshToken]) {
      expect(part(token, 0).kid).toBe(kidB);
      expect(verifiedBy(jwks, token)).toBe(true);
    }
    expect((await me(url, fresh.accessToken)).status).toBe(200);
  });

  it('after a restart with B only: A’s tokens are refused, B’s kept', async () => {
    const url = await restart({ JWT_PRIVATE_KEY: pemB });
    expect((await me(url, tokensOfA.accessToken)).status).toBe(401);
    expect((await mutation(url, 'auth.refresh', { refreshToken: secondRefreshOfA })).status).toBe(401);
    expect((await jwksOf(url)).jwks.keys.map((key) => key.kid)).toEqual([kidB]);
    const fresh = await login(url, 'es256@example.com');
    expect((await me(url, fresh.accessToken)).status).toBe(200);
  });

  it('refuses HS256 tokens in ES256 mode, even one signed with the public key as the secret', async () => {
    const url = await restart({ JWT_PRIVATE_KEY: pemB });
    const es = await login(url, 'es256@example.com');
    const [, payload] = es.accessToken.split('.');
    for (const secret of [publicKeyPem(readPrivateSigningKey(pemB)), testJwtSecret]) {
      for (const header of [
        { alg: 'HS256', typ: 'JWT', kid: kidB },
        { alg: 'HS256', typ: 'JWT' },
      ]) {
        const unsigned = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}`;
        const forged = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
        expect((await me(url, forged)).status).toBe(401);
      }
    }
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: kidB })).toString('base64url')}.${payload}.`;
    expect((await me(url, none)).status).toBe(401);
  });

  it('refuses ES256 tokens in HS256 mode, and HS256 tokens after switching to ES256', async () => {
    const esUrl = await restart({ JWT_PRIVATE_KEY: pemB });
    const es = await login(esUrl, 'es256@example.com');
    await server?.stop();
    server = await startTestServer({ database });
    const hsUrl = server.url;
    expect((await jwksOf(hsUrl)).jwks).toEqual({ keys: [] });
    expect((await me(hsUrl, es.accessToken)).status).toBe(401);
    expect((await mutation(hsUrl, 'auth.refresh', { refreshToken: es.refreshToken })).status).toBe(401);
    const hs = await login(hsUrl, 'es256@example.com');
    expect(part(hs.accessToken, 0)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const backUrl = await restart({ JWT_PRIVATE_KEY: pemB });
    expect((await me(backUrl, hs.accessToken)).status).toBe(401);
    expect((await me(backUrl, es.accessToken)).status).toBe(200);
  });
});
