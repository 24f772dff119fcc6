/**
 * The request path answers exactly as tRPC's stock node-http adapter would: every procedure,
 * with good and bad input, in bearer and cookie mode, sent to two servers that differ only
 * in the handler of /trpc/ calls (trpc-handler.ts's `createTrpcHandler`, and its
 * `stockAdapter` alone). Status, the headers a client or a browser acts on, and the bodies
 * (random tokens, ids and dates masked) must match.
 */
import { appRouter, listProcedures } from '@keyway/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reply, send, startTestServer, type TestServer } from './testing.js';
import { stockAdapter } from './trpc-handler.js';

const origin = 'https://app.example.com';
const env = {
  CORS_ORIGINS: origin,
  // Low enough that the reset requests below run into it: 429 and Retry-After compared too.
  RATE_LIMIT_RESET_IP: '3/1h',
};

/** The headers a client or a browser acts on. */
const comparedHeaders = [
  'content-type',
  'allow',
  'vary',
  'set-cookie',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'cache-control',
  'content-security-policy',
  'referrer-policy',
  'x-content-type-options',
];

/**
 * Masks what is random or time-dependent, so two servers' answers compare (a cookie's
 * Max-Age counts down in whole seconds: the two servers may be a second apart).
 */
const timed = new Set(['retryAfter', 'exp', 'expiresIn']);

function masked(value: unknown): unknown {
  if (typeof value === 'string') {
    return value
      .replace(/[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/g, '<jwt>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<date>')
      .replace(/try again in \d+ seconds/g, 'try again in <n> seconds')
      .replace(/Max-Age=[1-9]\d*/g, 'Max-Age=<positive>')
      .replace(/[A-Za-z0-9_-]{16,}/g, '<random>');
  }
  if (Array.isArray(value)) return value.map(masked);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      // Seconds that count from when each server signed its own tokens: compared by type.
      Object.entries(value).map(([key, entry]) => [key, timed.has(key) ? typeof entry : masked(entry)]),
    );
  }
  return value;
}

function comparable(reply: Reply) {
  const headers = Object.fromEntries(
    comparedHeaders.flatMap((name) => {
      const value = name === 'set-cookie' ? reply.headers.getSetCookie().join('\n') : reply.headers.get(name);
      return value ? [[name, masked(value)]] : [];
    }),
  );
  // Retry-After says what the body says.
  const retryAfter = (reply.json as { error?: { data?: { retryAfter?: number } } } | undefined)?.error?.data
    ?.retryAfter;
  expect(reply.headers.get('retry-after') ?? undefined).toBe(retryAfter === undefined ? undefined : String(retryAfter));
  return { status: reply.status, headers, body: reply.json === undefined ? reply.text : masked(reply.json) };
}

interface Account {
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** A well-formed value for each input field a procedure takes; the account's own where it has one. */
function goodValue(field: string, path: string, account: Account): unknown {
  const values: Record<string, unknown> = {
    email: account.email,
    password: account.password,
    currentPassword: account.password,
    newPassword: 'An0ther-passphrase-42',
    refreshToken: account.refreshToken,
    token: path === 'auth.introspect' ? account.accessToken : 'A'.repeat(43),
    code: '123456',
    mfaToken: 'M'.repeat(43),
    sessionId: '00000000-0000-4000-8000-000000000000',
    limit: 10,
  };
  return field in values ? values[field] : 'value';
}

/** The field names of a zod object input (unwrapping `.optional()`), or null when it takes no object. */
function fieldsOf(schema: unknown): string[] | null {
  let current = schema as { unwrap?: () => unknown; shape?: Record<string, unknown> } | undefined;
  while (current && typeof current.unwrap === 'function' && !current.shape)
    current = current.unwrap() as typeof current;
  return current?.shape ? Object.keys(current.shape) : null;
}

/** The requests sent for one procedure: good input first, then bad input of every kind. */
function requestsFor(procedure: { path: string; type: string; inputs: readonly unknown[] }, account: Account) {
  const fields = fieldsOf(procedure.inputs[0]);
  const good = fields && Object.fromEntries(fields.map((field) => [field, goodValue(field, procedure.path, account)]));
  const raw = (text: string | undefined) => ({ text, token: account.accessToken });
  const json = (input: unknown) => raw(input === undefined ? undefined : JSON.stringify(input));
  return [
    json(good ?? undefined),
    { text: undefined, token: undefined },
    json(42),
    json(Object.fromEntries((fields ?? ['email']).map((field) => [field, [{ wrong: true }]]))),
    json(
      Object.fromEntries(
        (fields ?? ['email']).map((field) => [field, 'x'.repeat(procedure.type === 'query' ? 2000 : 30_000)]),
      ),
    ),
    json(Object.fromEntries((fields ?? ['email']).map((field) => [field, 'lone-\ud800-😀\u0301\u200d\ufeff']))),
    raw('{"email":'),
  ];
}

function call(
  server: TestServer,
  path: string,
  method: string,
  request: { text: string | undefined; token: string | undefined; headers?: Record<string, string> },
): Promise<Reply> {
  const headers: Record<string, string> = { Origin: origin, ...request.headers };
  if (request.token) headers.Authorization = `Bearer ${request.token}`;
  if (method === 'GET') {
    const search = request.text === undefined ? '' : `?input=${encodeURIComponent(request.text)}`;
    return send(`${server.url}/trpc/${path}${search}`, { headers });
  }
  return send(`${server.url}/trpc/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: request.text,
  });
}

describe('the request path against tRPC’s stock adapter', () => {
  let keyway: TestServer;
  let stock: TestServer;
  beforeAll(async () => {
    [keyway, stock] = await Promise.all([
      startTestServer({ env }),
      startTestServer({ env, trpcHandler: stockAdapter }),
    ]);
  });
  afterAll(() => Promise.all([keyway?.stop(), stock?.stop()]));

  /** The same request to both servers, compared; the path's answer is returned. */
  async function both(path: string, method: string, request: Parameters<typeof call>[3], forStock = request) {
    const [ours, theirs] = [await call(keyway, path, method, request), await call(stock, path, method, forStock)];
    expect(comparable(ours), `${method} ${path} ${request.text?.slice(0, 60)}`).toEqual(comparable(theirs));
    return [ours, theirs] as const;
  }

  /** A fresh account on each server (same email and password), signed in by bearer. */
  async function accounts(label: string): Promise<[Account, Account]> {
    const email = `${label.replace(/\W/g, '-')}@example.com`;
    const password = 'Tr0ub4dor&3-horse-staple';
    const credentials = { text: JSON.stringify({ email, password }), token: undefined };
    await both('users.register', 'POST', credentials);
    const [ours, theirs] = await both('auth.login', 'POST', credentials);
    const session = (reply: Reply) => {
      const { accessToken, refreshToken } = (reply.json as { result: { data: Account } }).result.data;
      return { email, password, accessToken, refreshToken };
    };
    return [session(ours), session(theirs)];
  }

  it('answers every procedure alike, good input and bad, and the wrong method', async () => {
    const procedures = listProcedures(appRouter).sort((a, b) => a.path.localeCompare(b.path));
    const goodStatus: Record<string, number> = {};
    for (const procedure of procedures) {
      const [ours, theirs] = await accounts(procedure.path);
      const method = procedure.type === 'query' ? 'GET' : 'POST';
      const [oursRequests, theirsRequests] = [requestsFor(procedure, ours), requestsFor(procedure, theirs)];
      for (const [index, request] of oursRequests.entries()) {
        const [reply] = await both(procedure.path, method, request, theirsRequests[index]);
        if (index === 0) goodStatus[procedure.path] = reply.status;
      }
      await both(
        procedure.path,
        method === 'GET' ? 'POST' : 'GET',
        { text: undefined, token: ours.accessToken },
        {
          text: undefined,
          token: theirs.accessToken,
        },
      );
    }
    // The good input really is good where the account alone makes it so.
    for (const path of ['users.me', 'auth.refresh', 'auth.introspect', 'auth.logout', 'mfa.setup', 'sessions.list']) {
      expect(goodStatus[path], path).toBe(200);
    }
  });

  it('answers unknown paths, batches, HEAD and other content types alike', async () => {
    const [ours, theirs] = await accounts('routing');
    const as = (account: Account, extra: object = {}) => ({ text: undefined, token: account.accessToken, ...extra });
    await both('users.nothing', 'GET', as(ours), as(theirs));
    await both('users.nothing', 'POST', as(ours), as(theirs));
    await both('users.me,users.me?batch=1', 'GET', as(ours), as(theirs));
    await both('users.me', 'HEAD', as(ours), as(theirs));
    const text = { headers: { 'Content-Type': 'text/plain' }, text: '{}' };
    await both('auth.logoutAll', 'POST', as(ours, text), as(theirs, text));
  });

  it('sets and reads the refresh cookie alike in cookie mode', async () => {
    const [ours, theirs] = await accounts('cookie-mode');
    const cookieMode = { 'X-Keyway-Session': 'cookie' };
    const login = (account: Account) => ({
      text: JSON.stringify({ email: account.email, password: account.password }),
      token: undefined,
      headers: cookieMode,
    });
    const [oursLogin, theirsLogin] = await both('auth.login', 'POST', login(ours), login(theirs));
    const cookieOf = (reply: Reply) => reply.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const refresh = (reply: Reply) => ({
      text: undefined,
      token: undefined,
      headers: { ...cookieMode, Cookie: cookieOf(reply) },
    });
    expect(cookieOf(oursLogin)).not.toBe('');
    await both('auth.refresh', 'POST', refresh(oursLogin), refresh(theirsLogin));
    // The cookie without the header: refused before any procedure runs.
    const stray = (reply: Reply) => ({ text: undefined, token: undefined, headers: { Cookie: cookieOf(reply) } });
    await both('auth.refresh', 'POST', stray(oursLogin), stray(theirsLogin));
  });
});
