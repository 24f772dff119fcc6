/**
 * What the server answers besides the API itself, for tools and operators:
 * `GET /openapi.json`, the API described for any HTTP client's tooling (built once, at start).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appRouter, createOpenApiDocument } from '@keyway/api';

/** The server package's version, for the document's `info` (read from source and built output alike). */
function serverVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function createOpsRoutes() {
  const openApi = JSON.stringify(
    createOpenApiDocument(appRouter, {
      title: 'Keyway API',
      version: serverVersion(),
      description:
        'Email + password authentication over tRPC. Every procedure is a plain HTTP call: a query is ' +
        'GET /trpc/<path>?input=<url-encoded JSON>, a mutation POST /trpc/<path> with the JSON input as body.',
    }),
  );

  /** Serves the request and returns true when it is one of these routes; false touches nothing. */
  return (request: IncomingMessage, response: ServerResponse, path: string): boolean => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (path === '/openapi.json') {
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(openApi),
        'Cache-Control': 'public, max-age=300',
      });
      response.end(request.method === 'HEAD' ? undefined : openApi);
      return true;
    }
    return false;
  };
}
