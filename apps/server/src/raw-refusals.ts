/**
 * Answers for requests that never reach the request handler: CONNECT (Node hands it to a
 * 'connect' listener, and without one drops the socket unanswered) and requests Node cannot
 * parse (an unknown method token, a malformed request line or header: 'clientError', which
 * by default answers a bare 400 without our headers). Both get a JSON error envelope and the
 * headers every answer carries.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

const statusTexts: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
};
const trpcCodes: Record<number, [string, number]> = {
  400: ['BAD_REQUEST', -32600],
  405: ['METHOD_NOT_SUPPORTED', -32005],
  431: ['BAD_REQUEST', -32600],
};

function refuse(socket: Duplex, status: 400 | 405 | 431, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [code, jsonRpcCode] = trpcCodes[status] as [string, number];
  const body = JSON.stringify({ error: { message, code: jsonRpcCode, data: { code, httpStatus: status } } });
  socket.end(
    [
      `HTTP/1.1 ${status} ${statusTexts[status]}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...(status === 405 ? ['Allow: GET, POST, OPTIONS, HEAD'] : []),
      `X-Request-Id: ${randomUUID()}`,
      'X-Content-Type-Options: nosniff',
      'Referrer-Policy: no-referrer',
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

export function refuseUnhandledRequests(server: Server): void {
  server.on('connect', (_request, socket: Duplex) => refuse(socket, 405, 'Method not allowed'));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET') return socket.destroy();
    if (error.code === 'HPE_INVALID_METHOD') return refuse(socket, 405, 'Method not allowed');
    if (error.code === 'HPE_HEADER_OVERFLOW') return refuse(socket, 431, 'Request headers too large');
    refuse(socket, 400, 'Malformed request');
  });
}
