/**
 * What every answer of the server carries, set as a request arrives: its request id, the
 * security headers, and CORS for allowed origins; and the one log line of each request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `X-Request-Id` when it is a sane token, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
}

export function setAnswerHeaders(
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  allowedOrigins: ReadonlySet<string>,
): void {
  response.setHeader('X-Request-Id', requestId);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // No answer's URL (it may hold an emailed token) leaks to another site through a link.
  response.setHeader('Referrer-Policy', 'no-referrer');
  // The answer depends on the Origin header whether or not it is allowed.
  response.setHeader('Vary', 'Origin');
  const origin = request.headers.origin;
  if (origin && allowedOrigins.has(origin)) {
    response.setHeader('Access-Control-Allow-Origin', origin);
    // Without this a browser app cannot read them (support tickets quote the request id).
    response.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
    // Browser sessions send the refresh cookie (credentials: 'include').
    response.setHeader('Access-Control-Allow-Credentials', 'true');
  }
}

/** Answers under /trpc/ are JSON for programs: never stored, and nothing in them may be run, framed or loaded as a page. */
export function setApiHeaders(response: ServerResponse): void {
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
}

/**
 * Writes the request's one log line when its response closes, then runs `closed`. On 'close'
 * rather than 'finish', so a request whose client went away still gets its line, marked
 * `aborted` when no answer had been written (`writableEnded`; `writableFinished` is no test:
 * it stays false while a pipelined socket still holds bytes).
 */
export function logWhenClosed(
  logger: Logger,
  request: IncomingMessage,
  response: ServerResponse,
  line: { requestId: string; path: string; started: number },
  closed: () => void,
): void {
  response.once('close', () => {
    logger.info(
      {
        requestId: line.requestId,
        method: request.method,
        path: line.path,
        status: response.statusCode,
        ms: Math.round((performance.now() - line.started) * 10) / 10,
        ...(response.writableEnded ? {} : { aborted: true }),
      },
      'request',
    );
    closed();
  });
}
