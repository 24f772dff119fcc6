/**
 * The verifier against real Keyway servers (ES256) behind a small HTTP proxy that counts
 * JWK-set fetches and can switch servers, as a key rotation does behind one address.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock, generateSigningKeyPem, publicKeyPem, readPrivateSigningKey } from '@keyway/auth-core';
import { createTestDatabase, type TestDatabase } from '@keyway/auth-core/testing';
import { startTestServer, type TestServer } from '@keyway/server/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createVerifier,
  jwksRefetchCooldownMs,
  KeywayVerifyError,
  type Verifier,
  type VerifyFailure,
} from './index.js';

const pemA = generateSigningKeyPem();
const pemB = generateSigningKeyPem();
const password = 'correct horse battery staple 42';

/** Forwards every request to `target`, counting JWK-set requests. */
function startProxy() {
  const state = { target: '', jwksFetches: 0 };
  const server: Server = createServer((incoming, outgoing) => {
    if (incoming.url?.startsWith('/.well-known/jwks.json')) state.jwksFetches++;
    const upstream = request(new URL(incoming.url ?? '/', state.target), {
      method: incoming.method,
      headers: incoming.headers,
    });
    upstream.on('response', (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  return new Promise<{ state: typeof state; url: string; close(): Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        state,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function call(url: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { result?: { data: Record<string, string> } };
  if (!json.result) throw new Error(`${path} failed: ${JSON.stringify(json)}`);
  return json.result.data;
}

async function signIn(url: string, email: string) {
  return (await call(url, 'auth.login', { email, password })) as { accessToken: string; refreshToken: string };
}

async function failureOf(promise: Promise<unknown>): Promise<VerifyFailure> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!(error instanceof KeywayVerifyError)) throw new Error(`expected a KeywayVerifyError, got ${String(error)}`);
  return error.reason;
}

describe('createVerifier against a running Keyway', () => {
  let database: TestDatabase;
  let keyway: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let verifier: Verifier;
  const email = `verify-${randomUUID()}@example.com`;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite', { file: true });
    keyway = await startTestServer({ database, env: { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pemA } });
    proxy = await startProxy();
    proxy.state.target = keyway.url;
    verifier = createVerifier({
      issuer: 'keyway',
      audience: 'keyway',
      jwksUrl: `${proxy.url}/.well-known/jwks.json`,
    });
    await call(keyway.url, 'users.register', { email, password });
  });
  afterAll(async () => {
    await proxy.close();
    await keyway.stop();
    await database.drop();
  });

  it('resolves to the claims of a valid access token, with and without the revocation check', async () => {
    const { accessToken } = await signIn(keyway.url, email);
    const claims = await verifier.verify(accessToken);
    expect(claims).toMatchObject({ typ: 'access', iss: 'keyway', aud: 'keyway' });
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verifier.verify(accessToken, { checkRevocation: true })).toEqual(claims);
  });

  it('refuses a tampered token, a refresh token, garbage, and the wrong issuer or audience', async () => {
    const { accessToken, refreshToken } = await signIn(keyway.url, email);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const otherUser = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url');
    expect(await failureOf(verifier.verify(`${header}.${otherUser}.${signature}`))).toBe('invalid');
    expect(await failureOf(verifier.verify(refreshToken))).toBe('invalid');
    for (const garbage of ['', 'x', 'a.b.c', `${header}.${payload}.`]) {
      expect(await failureOf(verifier.verify(garbage)), garbage).toBe('invalid');
    }
    const jwksUrl = `${proxy.url}/.well-known/jwks.json`;
    const otherIssuer = createVerifier({ issuer: 'someone-else', audience: 'keyway', jwksUrl });
    const otherAudience = createVerifier({ issuer: 'keyway', audience: 'another-app', jwksUrl });
    expect(await failureOf(otherIssuer.verify(accessToken))).toBe('invalid');
    expect(await failureOf(otherAudience.verify(accessToken))).toBe('invalid');
  });

  it('refuses an HS256 token signed with the published key, and alg none', async () => {
    const { accessToken } = await signIn(keyway.url, email);
    const [header, payload] = accessToken.split('.');
    const parsed = JSON.parse(Buffer.from(header ?? '', 'base64url').toString());
    const none = Buffer.from(JSON.stringify({ ...parsed, alg: 'none' })).toString('base64url');
    expect(await failureOf(verifier.verify(`${none}.${payload}.`))).toBe('invalid');
    const hs = Buffer.from(JSON.stringify({ ...parsed, alg: 'HS256' })).toString('base64url');
    const mac = createHmac('sha256', publicKeyPem(readPrivateSigningKey(pemA)))
      .update(`${hs}.${payload}`)
      .digest('base64url');
    expect(await failureOf(verifier.verify(`${hs}.${payload}.${mac}`))).toBe('invalid');
  });

  it('refuses an expired token as expired', async () => {
    // A second Keyway on the same database and key whose clock is an hour behind.
    const past = await startTestServer({
      database,
      env: { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pemA },
      clock: createManualClock(new Date(Date.now() - 3_600_000)),
    });
    try {
      const { accessToken } = await signIn(past.url, email);
      expect(await failureOf(verifier.verify(accessToken))).toBe('expired');
    } finally {
      await past.stop();
    }
  });

  it('with checkRevocation, refuses a logged-out token that the signature alone still accepts', async () => {
    const { accessToken } = await signIn(keyway.url, email);
    await call(keyway.url, 'auth.logout', {}, accessToken);
    expect((await verifier.verify(accessToken)).typ).toBe('access');
    expect(await failureOf(verifier.verify(accessToken, { checkRevocation: true }))).toBe('revoked');
  });

  it('asks introspectUrl when given, and reports an unreachable Keyway as unavailable, not as a bad token', async () => {
    const { accessToken } = await signIn(keyway.url, email);
    const jwksUrl = `${proxy.url}/.well-known/jwks.json`;
    const direct = createVerifier({
      issuer: 'keyway',
      audience: 'keyway',
      jwksUrl,
      introspectUrl: `${keyway.url}/trpc/auth.introspect`,
    });
    expect((await direct.verify(accessToken, { checkRevocation: true })).typ).toBe('access');
    const nowhere = createVerifier({
      issuer: 'keyway',
      audience: 'keyway',
      jwksUrl,
      introspectUrl: 'http://127.0.0.1:9/trpc/auth.introspect',
    });
    expect(await failureOf(nowhere.verify(accessToken, { checkRevocation: true }))).toBe('unavailable');
    const noKeys = createVerifier({ issuer: 'keyway', audience: 'keyway', jwksUrl: `${keyway.url}/no-such-path` });
    expect(await failureOf(noKeys.verify(accessToken))).toBe('unavailable');
    const refused = createVerifier({ issuer: 'keyway', audience: 'keyway', jwksUrl: 'http://127.0.0.1:9/jwks.json' });
    expect(await failureOf(refused.verify(accessToken))).toBe('unavailable');
  });

  it('fetches the key set again for an unknown kid (a rotation), at most once per 30 s', async () => {
    const rotated = createVerifier({
      issuer: 'keyway',
      audience: 'keyway',
      jwksUrl: `${proxy.url}/.well-known/jwks.json`,
    });
    const before = proxy.state.jwksFetches;
    const { accessToken: tokenA } = await signIn(keyway.url, email);
    await rotated.verify(tokenA);
    await rotated.verify(tokenA);
    expect(proxy.state.jwksFetches).toBe(before + 1);

    // The same address now serves a Keyway signing with B, A retired.
    const next = await startTestServer({
      database,
      env: {
        JWT_ALGORITHM: 'ES256',
        JWT_PRIVATE_KEY: pemB,
        JWT_RETIRED_PUBLIC_KEYS: publicKeyPem(readPrivateSigningKey(pemA)),
      },
    });
    // Only Date is faked (jose's cooldown reads it); sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      proxy.state.target = next.url;
      const { accessToken: tokenB } = await signIn(next.url, email);
      // Within 30 s of the last fetch an unknown kid does not fetch again...
      expect(await failureOf(rotated.verify(tokenB))).toBe('invalid');
      expect(proxy.state.jwksFetches).toBe(before + 1);
      // ...after it, it does, once, and the rotated key set verifies old and new tokens.
      vi.setSystemTime(Date.now() + jwksRefetchCooldownMs + 1000);
      expect((await rotated.verify(tokenB)).typ).toBe('access');
      expect((await rotated.verify(tokenA)).typ).toBe('access');
      expect(proxy.state.jwksFetches).toBe(before + 2);

      // A flood of tokens naming a key nobody published: refused, and no fetch within the cooldown.
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const [, payload] = tokenB.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'unknown-kid' })).toString(
        'base64url',
      );
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
        key: stranger,
        dsaEncoding: 'ieee-p1363',
      });
      const forged = `${header}.${payload}.${signature.toString('base64url')}`;
      for (let attempt = 0; attempt < 5; attempt++) expect(await failureOf(rotated.verify(forged))).toBe('invalid');
      expect(proxy.state.jwksFetches).toBe(before + 2);
    } finally {
      vi.useRealTimers();
      proxy.state.target = keyway.url;
      await next.stop();
    }
  });
});
