/**
 * Plain-fetch calls for HTTP tests, scale-out tests and the benchmark: exactly what any HTTP
 * client would send (a mutation is a POST with the JSON input, a query a GET with `?input=`),
 * nothing from tRPC's client, so the callers see the wire format the README documents.
 */
import type { AppRouter } from '@keyway/api';
import type { HttpBody } from '@keyway/api/testing';
import type { inferRouterOutputs } from '@trpc/server';

export type Outputs = inferRouterOutputs<AppRouter>;

/** tRPC's error envelope (`error`), its formatted `data` included. */
export type TrpcError = NonNullable<HttpBody['error']>;
export type ErrorData = TrpcError['data'];

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** Wall-clock milliseconds until the whole answer was read. */
  ms: number;
}

export const jsonHeaders = { 'Content-Type': 'application/json' };

/** fetch with a deadline (a hang is a failure, not a stuck suite), body read and parsed. */
export async function send(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Reply> {
  const { timeoutMs = 15_000, ...rest } = init;
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), ...rest });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, ms: performance.now() - started };
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

function headersOf(options: CallOptions, base: Record<string, string> = {}): Record<string, string> {
  return {
    ...base,
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
}

export function mutation(baseUrl: string, path: string, input?: unknown, options: CallOptions = {}): Promise<Reply> {
  return send(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: headersOf(options, jsonHeaders),
    body: input === undefined ? undefined : JSON.stringify(input),
    timeoutMs: options.timeoutMs,
  });
}

export function query(baseUrl: string, path: string, input?: unknown, options: CallOptions = {}): Promise<Reply> {
  const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return send(`${baseUrl}/trpc/${path}${search}`, { headers: headersOf(options), timeoutMs: options.timeoutMs });
}

/** The `result.data` of a success envelope; throws with the body when it is not one. */
export function dataOf<T>(reply: Reply): T {
  const body = reply.json as { result?: { data: T } } | undefined;
  if (reply.status !== 200 || !body?.result) throw new Error(`Expected a success, got ${reply.status}: ${reply.text}`);
  return body.result.data;
}

/** A procedure's path (`users.me`) and the output it answers. */
export type ProcedurePath = {
  [Router in keyof Outputs]: `${Router & string}.${keyof Outputs[Router] & string}`;
}[keyof Outputs];
export type OutputOf<Path extends ProcedurePath> = Path extends `${infer Router extends keyof Outputs}.${infer Name}`
  ? Outputs[Router][Name & keyof Outputs[Router]]
  : never;

/** A mutation's `result.data`, typed by its path; throws with the body unless it succeeded. */
export async function mutationData<Path extends ProcedurePath>(
  baseUrl: string,
  path: Path,
  input?: unknown,
  options?: CallOptions,
): Promise<OutputOf<Path>> {
  return dataOf<OutputOf<Path>>(await mutation(baseUrl, path, input, options));
}

/** A query's `result.data`, typed by its path; throws with the body unless it succeeded. */
export async function queryData<Path extends ProcedurePath>(
  baseUrl: string,
  path: Path,
  input?: unknown,
  options?: CallOptions,
): Promise<OutputOf<Path>> {
  return dataOf<OutputOf<Path>>(await query(baseUrl, path, input, options));
}

/**
 * The `error` of an error envelope (a batch answers an array of them: the first); throws
 * with the body when it is not one.
 */
export function errorOf(reply: Reply): TrpcError {
  const json = Array.isArray(reply.json) ? (reply.json[0] as unknown) : reply.json;
  const body = json as HttpBody | undefined;
  if (!body?.error) throw new Error(`Expected an error envelope, got ${reply.status}: ${reply.text}`);
  return body.error;
}

export const password = 'a-Long-unusual-passphrase-42';

export async function register(baseUrl: string, email: string, options: CallOptions = {}) {
  return dataOf<Outputs['users']['register']>(await mutation(baseUrl, 'users.register', { email, password }, options));
}

/**
 * A signed-in bearer-mode login answer (an account without MFA): the pair and the user. Only a
 * cookie-mode answer leaves the refresh token out.
 */
export type SignedIn = Exclude<Outputs['auth']['login'], { mfaRequired: true }> & { refreshToken: string };

export async function login(
  baseUrl: string,
  email: string,
  options: CallOptions & { password?: string } = {},
): Promise<SignedIn> {
  const input = { email, password: options.password ?? password };
  const answer = dataOf<Outputs['auth']['login']>(await mutation(baseUrl, 'auth.login', input, options));
  if ('mfaRequired' in answer) throw new Error(`Expected a token pair for ${email}, got mfaRequired`);
  if (answer.refreshToken === undefined) throw new Error(`Expected a refresh token for ${email} (bearer mode)`);
  return { ...answer, refreshToken: answer.refreshToken };
}

export async function registerAndLogin(baseUrl: string, email: string) {
  await register(baseUrl, email);
  return login(baseUrl, email);
}

/** The calls above with a server's URL filled in: what a TestServer offers as `t.mutation(...)`. */
export function callsTo(baseUrl: string) {
  return {
    mutation: (path: string, input?: unknown, options?: CallOptions) => mutation(baseUrl, path, input, options),
    query: (path: string, input?: unknown, options?: CallOptions) => query(baseUrl, path, input, options),
    mutationData: <Path extends ProcedurePath>(path: Path, input?: unknown, options?: CallOptions) =>
      mutationData(baseUrl, path, input, options),
    queryData: <Path extends ProcedurePath>(path: Path, input?: unknown, options?: CallOptions) =>
      queryData(baseUrl, path, input, options),
    register: (email: string, options?: CallOptions) => register(baseUrl, email, options),
    login: (email: string, options?: CallOptions & { password?: string }) => login(baseUrl, email, options),
    registerAndLogin: (email: string) => registerAndLogin(baseUrl, email),
  };
}
