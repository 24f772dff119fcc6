/**
 * `GET /openapi.json` against a running server: the document is served, and real answers
 * — successes and errors — match the schemas it documents for them (checked with a JSON
 * Schema validator). Every documented operation is called to tie its security to the
 * procedure's real behaviour.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutation, query, type Reply, register, send, startTestServer, type TestServer } from './testing.js';

type Json = Record<string, unknown>;

describe('GET /openapi.json', () => {
  let t: TestServer;
  let document: Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);

  beforeAll(async () => {
    t = await startTestServer();
    const reply = await send(`${t.url}/openapi.json`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    document = reply.json as Json;
  });
  afterAll(() => t.stop());

  /** Follows local `$ref`s (`#/components/...`) through the document. */
  function resolve(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(resolve);
    if (!node || typeof node !== 'object') return node;
    const { $ref, ...rest } = node as Json;
    if (typeof $ref === 'string') {
      const target = $ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, key) => (at as Json)[key], document);
      return resolve(target);
    }
    return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, resolve(value)]));
  }

  const operationOf = (path: string) => {
    const item = (document.paths as Record<string, Json>)[`/trpc/${path}`] ?? {};
    const [method, operation] = Object.entries(item)[0] ?? [];
    return { method, operation: resolve(operation) as Json };
  };

  /** Checks the answer against the schema documented for its status (or `default`). */
  function expectDocumented(path: string, reply: Reply) {
    const responses = operationOf(path).operation.responses as Record<string, Json>;
    const response = responses[String(reply.status)] ?? responses.default;
    const content = (response?.content ?? {}) as Record<string, { schema: Json }>;
    const validate = ajv.compile(content['application/json']?.schema ?? false);
    expect(validate(reply.json) ? [] : validate.errors, `${path} ${reply.status}: ${reply.text}`).toEqual([]);
  }

  it('serves a cacheable OpenAPI 3.1 document with every procedure', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Keyway API', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(Object.keys(document.paths as Json)).toEqual(
      expect.arrayContaining(['/trpc/auth.login', '/trpc/users.me', '/trpc/users.register']),
    );
    expect(operationOf('users.me').method).toBe('get');
    expect(operationOf('auth.login').method).toBe('post');
    const head = await send(`${t.url}/openapi.json`, { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);
    expect(head.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });

  it('documents the answers real calls get, successes and errors alike', async () => {
    const email = 'openapi@example.com';
    expectDocumented(
      'users.register',
      await mutation(t.url, 'users.register', { email, password: 'plum-orbit-cascade' }),
    );
    const login = await mutation(t.url, 'auth.login', { email, password: 'plum-orbit-cascade' });
    expectDocumented('auth.login', login);
    const { accessToken, refreshToken } = (login.json as { result: { data: Json } }).result.data;
    const me = await query(t.url, 'users.me', undefined, { token: accessToken as string });
    expect(me.status).toBe(200);
    expectDocumented('users.me', me);
    expectDocumented('auth.refresh', await mutation(t.url, 'auth.refresh', { refreshToken }));

    const wrong = await mutation(t.url, 'auth.login', { email, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expectDocumented('auth.login', wrong);
    const invalid = await mutation(t.url, 'users.register', { email: 'nope', password: 1 });
    expect(invalid.status).toBe(400);
    expectDocumented('users.register', invalid);
    const taken = await mutation(t.url, 'users.register', { email, password: 'plum-orbit-cascade' });
    expect(taken.status).toBe(409);
    expectDocumented('users.register', taken);
  });

  it('marks exactly the procedures that refuse a call without a bearer token as protected', async () => {
    await register(t.url, 'openapi-public@example.com');
    for (const path of Object.keys(document.paths as Json).map((key) => key.slice('/trpc/'.length))) {
      const { method, operation } = operationOf(path);
      const reply = method === 'get' ? await query(t.url, path) : await mutation(t.url, path);
      const message = (reply.json as { error?: { message: string } }).error?.message;
      if (operation.security) expect([reply.status, message], path).toEqual([401, 'Missing bearer token']);
      else expect(message, path).not.toBe('Missing bearer token');
      expectDocumented(path, reply);
    }
  });
});
