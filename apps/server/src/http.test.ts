/**
 * The HTTP surface over real HTTP: a listening server, plain fetch, the wire format any
 * client sees — envelopes and status codes, headers on every response, the body limit,
 * malformed and ill-typed input, unknown procedures, a masked 500, health and CORS.
 */
import { publicUserFields } from '@keyway/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureLogs,
  dataOf,
  errorOf,
  jsonHeaders,
  mutation,
  type Outputs,
  password,
  query,
  type Reply,
  type SignedIn,
  send,
  startTestServer,
  type TestServer,
} from './testing.js';

const allowedOrigin = 'http://localhost:5173';
const otherAllowedOrigin = 'https://app.example.com';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A request body streamed without Content-Length (Transfer-Encoding: chunked). */
function chunked(text: string): RequestInit {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 16 * 1024) {
        controller.enqueue(bytes.slice(offset, offset + 16 * 1024));
      }
      controller.close();
    },
  });
  return { method: 'POST', headers: jsonHeaders, body, duplex: 'half' } as RequestInit;
}

function expectErrorEnvelope(reply: Reply, code: string, status: number) {
  expect(reply.status).toBe(status);
  const error = errorOf(reply);
  expect(error).toEqual({
    message: expect.any(String),
    code: expect.any(Number),
    data: expect.objectContaining({ code, httpStatus: status }),
  });
  expect(error.data).not.toHaveProperty('stack');
  return error;
}

describe('the HTTP surface', () => {
  let t: TestServer;
  let session: SignedIn;

  beforeAll(async () => {
    t = await startTestServer({ env: { CORS_ORIGINS: `${allowedOrigin}, ${otherAllowedOrigin}/` } });
    session = await t.registerAndLogin('surface@example.com');
  });
  afterAll(() => t.stop());

  describe('envelopes and status codes', () => {
    it('answers a POST mutation with {"result":{"data":…}} and 200', async () => {
      const reply = await t.mutation('users.register', { email: ' New.User@Example.com ', password });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      const { user } = dataOf<Outputs['users']['register']>(reply);
      expect(Object.keys(user).sort()).toEqual(publicUserFields);
      expect(user).toMatchObject({ email: 'new.user@example.com', emailVerified: false });
      expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
      expect(reply.text).not.toMatch(/hash|\$2[aby]\$/i);
    });

    it('answers a GET query, with and without ?input=', async () => {
      const plain = await t.query('users.me', undefined, { token: session.accessToken });
      expect(dataOf<Outputs['users']['me']>(plain).user.email).toBe('surface@example.com');
      const withInput = await send(`${t.url}/trpc/users.me?input=${encodeURIComponent('{}')}`, {
        headers: { Authorization: `Bearer ${session.accessToken}` },
      });
      expect(dataOf<Outputs['users']['me']>(withInput).user.id).toBe(session.user.id);
    });

    it("fails with tRPC's error envelope and the HTTP status equal to data.httpStatus", async () => {
      expectErrorEnvelope(await t.query('users.me'), 'UNAUTHORIZED', 401);
      expectErrorEnvelope(
        await t.mutation('users.register', { email: 'SURFACE@example.com', password }),
        'CONFLICT',
        409,
      );
      expectErrorEnvelope(await t.mutation('auth.login', { email: 'nobody' }), 'BAD_REQUEST', 400);
      expectErrorEnvelope(await t.mutation('auth.nothing', {}), 'NOT_FOUND', 404);
      expectErrorEnvelope(await send(`${t.url}/trpc/auth.login`), 'METHOD_NOT_SUPPORTED', 405);
      expectErrorEnvelope(await t.mutation('users.me', {}), 'METHOD_NOT_SUPPORTED', 405);
      const wrong = expectErrorEnvelope(
        await t.mutation('auth.login', { email: 'surface@example.com', password: 'not the password' }),
        'UNAUTHORIZED',
        401,
      );
      const unknown = errorOf(await t.mutation('auth.login', { email: 'ghost@example.com', password }));
      expect(unknown.message).toBe(wrong.message);
    });

    it('batches calls with ?batch=1, by POST and by GET', async () => {
      const posted = await send(`${t.url}/trpc/auth.login,auth.login?batch=1`, {
        method: 'POST',
        headers: jsonHeaders,
        body: JSON.stringify({ 0: { email: 'surface@example.com', password }, 1: { email: 'not-an-email' } }),
      });
      const [first, second] = posted.json as [{ result: { data: SignedIn } }, { error: unknown }];
      expect(first.result.data.user.id).toBe(session.user.id);
      expect(second.error).toMatchObject({ data: { code: 'BAD_REQUEST', httpStatus: 400 } });
      // Mixed outcomes: tRPC answers 207 Multi-Status and each entry carries its own status.
      expect(posted.status).toBe(207);

      const input = encodeURIComponent(JSON.stringify({ 0: {}, 1: {} }));
      const fetched = await send(`${t.url}/trpc/users.me,users.me?batch=1&input=${input}`, {
        headers: { Authorization: `Bearer ${session.accessToken}` },
      });
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('cache-control')).toBe('no-store');
      const entries = fetched.json as Array<{ result: { data: Outputs['users']['me'] } }>;
      expect(entries.map((entry) => entry.result.data.user.email)).toEqual([
        'surface@example.com',
        'surface@example.com',
      ]);
    });

    it('answers 404 for an unknown procedure, by GET and POST, batched or not', async () => {
      for (const path of [
        'nope',
        'auth.nope',
        'users.me.deeper',
        'auth',
        '__proto__',
        'users.constructor',
        'toString',
      ]) {
        expectErrorEnvelope(await t.query(path), 'NOT_FOUND', 404);
        expectErrorEnvelope(await t.mutation(path, {}), 'NOT_FOUND', 404);
      }
      const batch = await send(`${t.url}/trpc/auth.nope,users.nope?batch=1`, {
        method: 'POST',
        headers: jsonHeaders,
        body: '{"0":{},"1":{}}',
      });
      expect(batch.status).toBe(404);
      expectErrorEnvelope(await send(`${t.url}/elsewhere`), 'NOT_FOUND', 404);
      expectErrorEnvelope(await send(`${t.url}/trpc`), 'NOT_FOUND', 404);
    });
  });

  describe('headers', () => {
    const requests: Array<[string, (url: string) => Promise<Reply>]> = [
      ['a mutation', (url) => mutation(url, 'auth.login', { email: 'surface@example.com', password })],
      ['a query error', (url) => query(url, 'users.me')],
      ['a batch', (url) => send(`${url}/trpc/users.me,users.me?batch=1&input=%7B%7D`)],
      ['an unknown procedure', (url) => mutation(url, 'nope', {})],
      ['malformed JSON', (url) => send(`${url}/trpc/auth.login`, { method: 'POST', headers: jsonHeaders, body: '{' })],
      ['an oversized body', (url) => mutation(url, 'auth.login', { password: 'x'.repeat(70_000) })],
      ['a 404 outside /trpc', (url) => send(`${url}/nothing/here`)],
      ['/healthz', (url) => send(`${url}/healthz`)],
      ['HEAD /healthz', (url) => send(`${url}/healthz`, { method: 'HEAD' })],
      ['a preflight', (url) => send(`${url}/trpc/auth.login`, { method: 'OPTIONS' })],
    ];

    it.each(requests)(
      '%s carries X-Request-Id, nosniff and no-referrer, and no X-Powered-By',
      async (_name, request) => {
        const reply = await request(t.url);
        expect(reply.headers.get('x-request-id')).toMatch(uuidPattern);
        expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
        expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
        expect(reply.headers.has('x-powered-by')).toBe(false);
      },
    );

    it('sizes the JSON answers it writes itself (no chunked encoding)', async () => {
      const sized = [
        await t.query('users.me', undefined, { token: session.accessToken }),
        ...(await Promise.all(
          [0, 1, 4, 5, 6, 7].map((index) => (requests[index] as (typeof requests)[number])[1](t.url)),
        )),
      ];
      for (const reply of sized) {
        expect(reply.headers.get('transfer-encoding')).toBeNull();
        expect(Number(reply.headers.get('content-length'))).toBe(Buffer.byteLength(reply.text));
      }
    });

    it('marks every /trpc answer Cache-Control: no-store, with a CSP that allows nothing', async () => {
      for (const [, request] of requests.slice(0, 6)) {
        const reply = await request(t.url);
        expect(reply.headers.get('cache-control')).toBe('no-store');
        expect(reply.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      }
    });

    it('echoes a valid incoming X-Request-Id and replaces an invalid one', async () => {
      for (const id of ['abc-123', 'trace.42:span_7', 'x'.repeat(128)]) {
        const reply = await send(`${t.url}/trpc/users.me`, { headers: { 'X-Request-Id': id } });
        expect(reply.headers.get('x-request-id')).toBe(id);
        expect((await send(`${t.url}/healthz`, { headers: { 'X-Request-Id': id } })).headers.get('x-request-id')).toBe(
          id,
        );
      }
      for (const id of ['has space', '<script>', 'x'.repeat(129), 'a,b', 'a/b', '%41']) {
        const reply = await send(`${t.url}/trpc/users.me`, { headers: { 'X-Request-Id': id } });
        expect(reply.headers.get('x-request-id')).toMatch(uuidPattern);
      }
    });

    it('generates a different request id for every request', async () => {
      const ids = new Set<string | null>();
      for (let index = 0; index < 5; index++) ids.add((await send(`${t.url}/healthz`)).headers.get('x-request-id'));
      expect(ids.size).toBe(5);
    });
  });

  describe('bodies', () => {
    const oversized = JSON.stringify({ email: 'surface@example.com', password: 'x'.repeat(70_000) });

    it('refuses a body over 64 KiB with 413, announced by Content-Length', async () => {
      const single = await send(`${t.url}/trpc/auth.login`, { method: 'POST', headers: jsonHeaders, body: oversized });
      expectErrorEnvelope(single, 'PAYLOAD_TOO_LARGE', 413);
      const batch = await send(`${t.url}/trpc/auth.login?batch=1`, {
        method: 'POST',
        headers: jsonHeaders,
        body: JSON.stringify({ 0: JSON.parse(oversized) }),
      });
      expectErrorEnvelope(batch, 'PAYLOAD_TOO_LARGE', 413);
    });

    it('refuses a chunked body over 64 KiB with 413', async () => {
      expectErrorEnvelope(await send(`${t.url}/trpc/auth.login`, chunked(oversized)), 'PAYLOAD_TOO_LARGE', 413);
      expectErrorEnvelope(
        await send(`${t.url}/trpc/auth.login?batch=1`, chunked(`{"0":${oversized}}`)),
        'PAYLOAD_TOO_LARGE',
        413,
      );
    });

    it('reads a body just under the limit (and validates it)', async () => {
      const body = JSON.stringify({ email: 'surface@example.com', password: 'x'.repeat(60_000) });
      expectErrorEnvelope(
        await send(`${t.url}/trpc/auth.login`, { method: 'POST', headers: jsonHeaders, body }),
        'BAD_REQUEST',
        400,
      );
      expectErrorEnvelope(await send(`${t.url}/trpc/auth.login`, chunked(body)), 'BAD_REQUEST', 400);
    });

    it('answers malformed JSON with 400', async () => {
      for (const body of ['{', '{"email": }', "{'email': 'a'}", 'undefined', '{"email":"a@b.c",}']) {
        const single = await send(`${t.url}/trpc/auth.login`, { method: 'POST', headers: jsonHeaders, body });
        expectErrorEnvelope(single, 'BAD_REQUEST', 400);
        const batch = await send(`${t.url}/trpc/auth.login?batch=1`, { method: 'POST', headers: jsonHeaders, body });
        expectErrorEnvelope(batch, 'BAD_REQUEST', 400);
      }
      const queried = await send(`${t.url}/trpc/users.me?input=%7Bbad`, {
        headers: { Authorization: `Bearer ${session.accessToken}` },
      });
      expectErrorEnvelope(queried, 'BAD_REQUEST', 400);
    });

    it('refuses a cross-site "simple" body type (no preflight) instead of parsing it', async () => {
      const reply = await send(`${t.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify({ email: 'surface@example.com', password }),
      });
      expect(reply.status).toBe(415);
      expect(errorOf(reply).data.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('ill-typed input gets 4xx with fieldErrors, never 5xx', () => {
    const notObjects: unknown[] = [null, 42, -1.5, 'a string', true, [], [1, 2], [{ email: 'a@b.c' }]];
    const procedures: Array<{ path: string; fields: string[]; auth?: boolean }> = [
      { path: 'users.register', fields: ['email', 'password'] },
      { path: 'auth.login', fields: ['email', 'password'] },
      { path: 'auth.refresh', fields: ['refreshToken'] },
      { path: 'users.requestPasswordReset', fields: ['email'] },
      { path: 'users.resetPassword', fields: ['token', 'newPassword'] },
      { path: 'users.verifyEmail', fields: ['token'] },
      { path: 'users.checkResetToken', fields: ['token'] },
      { path: 'users.confirmEmailChange', fields: ['token'] },
      { path: 'users.requestEmailChange', fields: ['newEmail', 'password'], auth: true },
      { path: 'users.changePassword', fields: ['currentPassword', 'newPassword'], auth: true },
      { path: 'sessions.revoke', fields: ['sessionId'], auth: true },
    ];
    const wrongValues: unknown[] = [7, -1, 1e308, true, null, ['x'], { nested: { deeper: 'x' } }, 'y'.repeat(30_000)];

    it.each(procedures)('$path', async ({ path, fields, auth }) => {
      const options = auth ? { token: session.accessToken } : {};
      for (const input of notObjects) {
        const reply = await t.mutation(path, input, options);
        const error = expectErrorEnvelope(reply, 'BAD_REQUEST', 400);
        expect(error.data.fieldErrors).toBeTypeOf('object');
      }
      const missing = errorOf(await t.mutation(path, {}, options));
      expect(Object.keys(missing.data.fieldErrors ?? {}).sort()).toEqual([...fields].sort());
      for (const value of wrongValues) {
        const input = Object.fromEntries(fields.map((field) => [field, value]));
        const error = expectErrorEnvelope(await t.mutation(path, input, options), 'BAD_REQUEST', 400);
        for (const field of fields) expect(error.data.fieldErrors?.[field]?.length).toBeGreaterThan(0);
      }
      const withoutBody = await send(`${t.url}/trpc/${path}`, {
        method: 'POST',
        headers: { ...jsonHeaders, ...(auth ? { Authorization: `Bearer ${session.accessToken}` } : {}) },
      });
      expectErrorEnvelope(withoutBody, 'BAD_REQUEST', 400);
    });

    it('auth.logout takes an optional object and refuses anything else', async () => {
      const { accessToken } = await t.login('surface@example.com');
      for (const input of [
        42,
        'x',
        [],
        { refreshToken: 5 },
        { refreshToken: '' },
        { refreshToken: 'y'.repeat(50_000) },
      ]) {
        expectErrorEnvelope(await t.mutation('auth.logout', input, { token: accessToken }), 'BAD_REQUEST', 400);
      }
    });

    it('treats malformed Authorization headers as UNAUTHORIZED', async () => {
      for (const header of [
        'Bearer',
        'Bearer ',
        'Basic abc',
        'Bearer a.b.c',
        `Bearer ${'z'.repeat(8000)}`,
        'bearer x y',
      ]) {
        const reply = await t.query('users.me', undefined, { headers: { Authorization: header } });
        expectErrorEnvelope(reply, 'UNAUTHORIZED', 401);
      }
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      send(`${t.url}/trpc/auth.login`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      });

    it('answers a preflight from an allowed origin', async () => {
      for (const origin of [allowedOrigin, otherAllowedOrigin]) {
        const reply = await preflight(origin);
        expect(reply.status).toBe(204);
        expect(reply.headers.get('access-control-allow-origin')).toBe(origin);
        expect(reply.headers.get('access-control-allow-methods')).toMatch(/POST/);
        expect(reply.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
        expect(reply.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/content-type/);
        expect(reply.headers.get('vary')).toMatch(/Origin/);
      }
    });

    it('does not allow an origin outside the list', async () => {
      for (const origin of ['https://evil.example', 'http://localhost:5174', `${allowedOrigin}.evil.example`, 'null']) {
        const reply = await preflight(origin);
        expect(reply.headers.has('access-control-allow-origin')).toBe(false);
        const actual = await t.mutation(
          'auth.login',
          { email: 'surface@example.com', password },
          {
            headers: { Origin: origin },
          },
        );
        expect(actual.headers.has('access-control-allow-origin')).toBe(false);
      }
    });

    it('allows the actual request of an allowed origin, exposing the request id and Retry-After', async () => {
      const single = await t.mutation(
        'auth.login',
        { email: 'surface@example.com', password },
        {
          headers: { Origin: otherAllowedOrigin },
        },
      );
      expect(single.status).toBe(200);
      const batch = await send(`${t.url}/trpc/users.me,users.me?batch=1&input=%7B%7D`, {
        headers: { Origin: allowedOrigin },
      });
      for (const [reply, origin] of [
        [single, otherAllowedOrigin],
        [batch, allowedOrigin],
      ] as const) {
        expect(reply.headers.get('access-control-allow-origin')).toBe(origin);
        expect(reply.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
        expect(reply.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
        // Caches must key on Origin, also when the tRPC adapter writes its own Vary.
        expect(reply.headers.get('vary')).toMatch(/Origin/);
      }
    });
  });

  describe('/healthz', () => {
    it('answers 200 {"status":"ok"} while the database answers', async () => {
      const reply = await send(`${t.url}/healthz`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      expect(reply.json).toEqual({ status: 'ok' });
      expect((await send(`${t.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    });
  });
});

describe('when the database fails under the server', () => {
  let t: TestServer;
  const log = captureLogs();

  beforeAll(async () => {
    // Production mode: the strict one, where a leaked stack would matter most.
    t = await startTestServer({
      env: { NODE_ENV: 'production', BCRYPT_COST: '10' },
      logger: log.logger,
    });
  });
  afterAll(() => t.stop());

  it('answers 500 with only "Internal server error" and the request id, and logs the details', async () => {
    const { accessToken } = await t.registerAndLogin('broken@example.com');
    // A legitimate way to break a request: the deny-list table vanishes under the server.
    await t.orm.em.getConnection().execute('drop table token_denylist');

    const replies = [
      await t.query('users.me', undefined, { token: accessToken, headers: { 'X-Request-Id': 'req-500-single' } }),
      await send(`${t.url}/trpc/users.me,users.me?batch=1&input=%7B%7D`, {
        headers: { Authorization: `Bearer ${accessToken}`, 'X-Request-Id': 'req-500-batch' },
      }),
    ];
    for (const [index, reply] of replies.entries()) {
      const requestId = reply.headers.get('x-request-id');
      expect(requestId).toBe(index === 0 ? 'req-500-single' : 'req-500-batch');
      expect(reply.status).toBe(500);
      const errors = (Array.isArray(reply.json) ? reply.json : [reply.json]) as Array<{ error: unknown }>;
      for (const { error } of errors) {
        expect(error).toEqual({
          message: 'Internal server error',
          code: -32603,
          data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, path: 'users.me', requestId },
        });
      }
      expect(reply.text).not.toMatch(/token_denylist|sqlite|select|\bat\s|\.ts:\d/i);

      const logged = log.lines.find((line) => line.requestId === requestId && line.level === 50);
      expect(logged?.msg).toBe('Unexpected error');
      expect(JSON.stringify(logged?.err)).toMatch(/no such table: token_denylist/);
    }
  });

  it('answers /healthz 503 once the database is gone, and 500s say nothing more', async () => {
    await t.orm.close(true);
    const health = await send(`${t.url}/healthz`);
    expect(health.status).toBe(503);
    expect(health.json).toEqual({ status: 'unavailable' });
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');

    const reply = await t.mutation('auth.login', { email: 'broken@example.com', password });
    expect(reply.status).toBeGreaterThanOrEqual(500);
    const error = errorOf(reply);
    expect(error.data).not.toHaveProperty('stack');
    expect(reply.text).not.toMatch(/\bat\s|\.ts:\d|node_modules/);
    if (reply.status === 500) expect(error.message).toBe('Internal server error');
  });
});

describe('request log', () => {
  it('writes one line per request with its id, method, path and status', async () => {
    const log = captureLogs();
    const t = await startTestServer({ logger: log.logger });
    try {
      await t.register('logged@example.com');
      await send(`${t.url}/healthz`, { headers: { 'X-Request-Id': 'health-1' } });
      await t.query('users.me', undefined, { headers: { 'X-Request-Id': 'me-1' } });
      const requests = log.lines.filter((line) => line.msg === 'request');
      expect(requests).toHaveLength(3);
      expect(requests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ method: 'POST', path: '/trpc/users.register', status: 200 }),
          expect.objectContaining({ method: 'GET', path: '/healthz', status: 200, requestId: 'health-1' }),
          expect.objectContaining({ method: 'GET', path: '/trpc/users.me', status: 401, requestId: 'me-1' }),
        ]),
      );
      // Tokens and passwords never reach the log.
      expect(JSON.stringify(log.lines)).not.toContain(password);
    } finally {
      await t.stop();
    }
  });
});
