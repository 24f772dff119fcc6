/**
 * A request held half-sent, for the tests of a graceful stop: the server has its headers,
 * not yet its body.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { password } from './http.js';

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
