/**
 * Methods and broken requests over real HTTP: a method other than GET, POST, OPTIONS or HEAD
 * gets 405 (never a 500, nothing logged as unexpected), and a client that goes away in the
 * middle of its body is not an error of ours.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, errorOf, eventually, send, startTestServer, type TestServer } from './testing.js';

describe('HTTP methods and aborted requests', () => {
  const log = captureLogs();
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ env: { LOG_LEVEL: 'info' }, logger: log.logger });
  });
  afterAll(() => t.stop());

  const unexpected = () => log.lines.filter((line) => (line.level as number) >= 50);

  it.each(['TRACE', 'PUT', 'DELETE', 'PATCH', 'PROPFIND'])('answers %s with 405 and Allow', async (method) => {
    for (const path of ['/trpc/users.me', '/trpc/auth.login', '/healthz', '/elsewhere']) {
      const reply = await rawRequest(t.url, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(reply.status, `${method} ${path}`).toBe(405);
      expect(reply.headers.allow).toBe('GET, POST, OPTIONS, HEAD');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(JSON.parse(reply.body)).toEqual({
        error: { message: 'Method not allowed', code: -32005, data: { code: 'METHOD_NOT_SUPPORTED', httpStatus: 405 } },
      });
    }
    expect(unexpected()).toEqual([]);
  });

  it('answers CONNECT and an unknown method token with 405 and the usual headers', async () => {
    for (const request of [
      'CONNECT localhost:1 HTTP/1.1\r\nHost: localhost:1\r\n\r\n',
      'CONNECT /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const reply = await rawRequest(t.url, request);
      expect(reply.status, request).toBe(405);
      expect(reply.headers['x-request-id']).toMatch(/^[\w-]+$/);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(JSON.parse(reply.body).error.data).toEqual({ code: 'METHOD_NOT_SUPPORTED', httpStatus: 405 });
    }
  });

  it('answers a request it cannot parse with 400 and the usual headers', async () => {
    const reply = await rawRequest(t.url, 'GET /healthz HTTP/1.1\r\nBad Header Line\r\n\r\n');
    expect(reply.status).toBe(400);
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(JSON.parse(reply.body).error.data).toEqual({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(unexpected()).toEqual([]);
  });

  it('answers HEAD without a 500', async () => {
    for (const path of ['/trpc/users.me', '/healthz']) {
      const reply = await send(`${t.url}${path}`, { method: 'HEAD' });
      expect(reply.status, path).toBeLessThan(500);
    }
    expect(unexpected()).toEqual([]);
  });

  it('does not log a client that disconnects mid-body as an unexpected error', async () => {
    const before = log.lines.length;
    for (const path of ['/trpc/auth.login', '/trpc/auth.login,users.register?batch=1']) {
      const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"email":`,
      );
      // Let the server start reading the body, then go away.
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
    }
    // Each request still gets its one log line (marked aborted), and nothing else.
    await eventually(
      'a request line for each',
      () => log.lines.slice(before).filter((line) => line.msg === 'request').length >= 2,
    );
    const lines = log.lines.slice(before);
    expect(lines.filter((line) => line.msg === 'request').every((line) => line.aborted === true)).toBe(true);
    expect(unexpected()).toEqual([]);
    // The server still answers.
    expect(errorOf(await send(`${t.url}/trpc/users.me`)).data.code).toBe('UNAUTHORIZED');
  });
});

/** One request written by hand (fetch refuses TRACE), its status, headers and body. */
function rawRequest(
  baseUrl: string,
  text: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(text);
  });
}
