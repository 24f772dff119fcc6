/**
 * Plain-fetch helpers of the HTTP suites: exactly what any HTTP client would send (a
 * mutation is a POST with the JSON input, a query a GET with `?input=`), nothing from tRPC's
 * client, so the tests see the wire format the README documents.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AppRouter } from '@keyway/api';
import type { inferRouterOutputs } from '@trpc/server';

export type Outputs = inferRouterOutputs<AppRouter>;

export interface ErrorData {
  code: string;
  httpStatus: number;
  path?: string;
  fieldErrors?: Record<string, string[]>;
  retryAfter?: number;
  requestId?: string;
  stack?: string;
}

export interface TrpcError {
  message: string;
  code: number;
  data: ErrorData;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export const jsonHeaders = { 'Content-Type': 'application/json' };

/** fetch with a deadline (a hang is a failure, not a stuck suite), body read and parsed. */
export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000), ...init });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
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
  });
}

export function query(baseUrl: string, path: string, input?: unknown, options: CallOptions = {}): Promise<Reply> {
  const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return send(`${baseUrl}/trpc/${path}${search}`, { headers: headersOf(options) });
}

/** The `result.data` of a success envelope; throws with the body when it is not one. */
export function dataOf<T>(reply: Reply): T {
  const body = reply.json as { result?: { data: T } } | undefined;
  if (reply.status !== 200 || !body?.result) throw new Error(`Expected a success, got ${reply.status}: ${reply.text}`);
  return body.result.data;
}

/**
 * The `error` of an error envelope (a batch answers an array of them: the first); throws
 * with the body when it is not one.
 */
export function errorOf(reply: Reply): TrpcError {
  const json = Array.isArray(reply.json) ? (reply.json[0] as unknown) : reply.json;
  const body = json as { error?: TrpcError } | undefined;
  if (!body?.error) throw new Error(`Expected an error envelope, got ${reply.status}: ${reply.text}`);
  return body.error;
}

export const password = 'a-Long-unusual-passphrase-42';

export async function register(baseUrl: string, email: string, options: CallOptions = {}) {
  return dataOf<Outputs['users']['register']>(await mutation(baseUrl, 'users.register', { email, password }, options));
}

/** A signed-in login answer (an account without MFA): the pair and the user. */
/** A bearer-mode sign-in: the pair, the refresh token in the body. */
export type SignedIn = Exclude<Outputs['auth']['login'], { mfaRequired: true }> & { refreshToken: string };

export async function login(baseUrl: string, email: string, options: CallOptions = {}): Promise<SignedIn> {
  const answer = dataOf<Outputs['auth']['login']>(await mutation(baseUrl, 'auth.login', { email, password }, options));
  if ('mfaRequired' in answer) throw new Error(`Expected a token pair for ${email}, got mfaRequired`);
  const { refreshToken } = answer;
  if (typeof refreshToken !== 'string') throw new Error(`Expected a bearer-mode pair for ${email}`);
  return { ...answer, refreshToken };
}

export async function registerAndLogin(baseUrl: string, email: string) {
  await register(baseUrl, email);
  return login(baseUrl, email);
}

/** A pino destination that keeps every line, parsed, for a test to read. */
export function logCapture() {
  const lines: Array<Record<string, unknown>> = [];
  return {
    lines,
    stream: {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  };
}

export interface HeldAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * A login whose headers the server has read (it answers 100-continue, so the request is in
 * flight) and whose body is held back until `release()`: a request a shutdown must drain.
 */
export function heldLogin(baseUrl: string, email: string) {
  const { port } = new URL(baseUrl);
  const body = JSON.stringify({ email, password });
  const request = httpRequest({
    host: '127.0.0.1',
    port: Number(port),
    method: 'POST',
    path: '/trpc/auth.login',
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Expect: '100-continue',
    },
  });
  const socketClosed = new Promise<void>((resolve) =>
    request.once('socket', (socket) => socket.once('close', () => resolve())),
  );
  const continued = new Promise<void>((resolve) => request.once('continue', () => resolve()));
  const answered = new Promise<HeldAnswer>((resolve, reject) => {
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    request.once('error', reject);
  });
  // Awaited by the caller; until then a failure must not surface as an unhandled rejection.
  answered.catch(() => {});
  request.flushHeaders();
  return { continued, answered, socketClosed, release: () => request.end(body) };
}
