/**
 * Helpers of the scale-out suites: plain HTTP calls to a running server (timed, so a test
 * can say "answered within N seconds"), a logger whose lines a test can read, and names
 * unique to one run so parallel suites sharing one Redis never collide.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a tRPC envelope read by the tests
  body: any;
  /** Wall-clock milliseconds until the whole answer was read. */
  ms: number;
}

/**
 * Calls a tRPC procedure over HTTP as any client would: a mutation is a POST with the JSON
 * input, a query a GET with `?input=`. Gives up after `timeoutMs` (a hang is a failure).
 */
export async function call(
  baseUrl: string,
  procedure: string,
  input?: unknown,
  options: { token?: string; query?: boolean; timeoutMs?: number } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const query = options.query ?? false;
  const url =
    query && input !== undefined
      ? `${baseUrl}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`
      : `${baseUrl}/trpc/${procedure}`;
  return timed(url, {
    method: query ? 'GET' : 'POST',
    headers,
    body: query ? undefined : JSON.stringify(input ?? {}),
    timeoutMs: options.timeoutMs,
  });
}

export async function timed(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<CallResult> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

/** A name no other run (or parallel suite) uses: emails, Redis key prefixes. */
export function unique(label: string): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

export const testPassword = 'Correct-Horse-Battery-42';

/** Repeats `probe` (bounded) until it returns true; throws with `what` when it never does. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose lines the test can read (the shared harness logs nowhere by default). */
export function captureLogs(level = 'info') {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return {
    logger: pino({ level }, sink),
    lines,
    /** The lines whose message matches. */
    matching: (pattern: RegExp) => lines.filter((line) => pattern.test(line.msg)),
  };
}
