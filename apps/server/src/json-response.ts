import type { ServerResponse } from 'node:http';

/**
 * Writes `body` as a JSON answer with its length: a sized body leaves in a single write,
 * where node's default chunked encoding corks four buffers for one small answer.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  });
  response.end(json);
}
