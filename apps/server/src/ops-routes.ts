/**
 * What the server answers besides the API itself, for tools and operators:
 * - `GET /openapi.json`, the API described for any HTTP client's tooling (built once, at start);
 * - `GET /metrics` when metrics are on (a 404 otherwise), behind a bearer token when one is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  appRouter,
  bearerToken,
  clientIpOf,
  createOpenApiDocument,
  RateLimitExceededError,
  type RateLimiter,
  rateLimitKeyOf,
} from '@keyway/api';
import type { Metrics } from './metrics.js';

export interface OpsRoutesOptions {
  /** Null when metrics are off: `/metrics` is then not a route at all. */
  metrics: Metrics | null;
  metricsToken: string | null;
  /** Wrong tokens count against the client's default rate limit, so guessing is throttled. */
  rateLimiter: RateLimiter;
  trustProxy: boolean;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** The server package's version, for the document's `info` (read from source and built output alike). */
function serverVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function createOpsRoutes(options: OpsRoutesOptions) {
  const { metrics } = options;
  // Digests of equal length, so the comparison takes the same time whatever was presented.
  const expectedToken = options.metricsToken === null ? null : digest(options.metricsToken);
  const openApi = JSON.stringify(
    createOpenApiDocument(appRouter, {
      title: 'Keyway API',
      version: serverVersion(),
      description:
        'Email + password authentication over tRPC. Every procedure is a plain HTTP call: a query is ' +
        'GET /trpc/<path>?input=<url-encoded JSON>, a mutation POST /trpc/<path> with the JSON input as body.',
    }),
  );

  async function serveMetrics(request: IncomingMessage, response: ServerResponse, registry: Metrics['registry']) {
    if (expectedToken) {
      const presented = bearerToken(request.headers.authorization);
      if (presented === null || !timingSafeEqual(digest(presented), expectedToken)) {
        try {
          await options.rateLimiter.consume('defaultIp', rateLimitKeyOf(clientIpOf(request, options.trustProxy)));
        } catch (error) {
          if (!(error instanceof RateLimitExceededError)) throw error;
          sendText(response, 429, 'Too many requests\n', { 'Retry-After': String(error.retryAfterSeconds) });
          return;
        }
        sendText(response, 401, 'Unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
        return;
      }
    }
    sendText(response, 200, await registry.metrics(), { 'Content-Type': registry.contentType });
  }

  /** Serves the request and returns true when it is one of these routes; false touches nothing. */
  return (request: IncomingMessage, response: ServerResponse, path: string): boolean => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (path === '/openapi.json') {
      response.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(openApi),
        'Cache-Control': 'public, max-age=300',
      });
      response.end(openApi);
      return true;
    }
    if (path === '/metrics' && metrics) {
      serveMetrics(request, response, metrics.registry).catch(() => {
        if (!response.headersSent) sendText(response, 500, 'Internal server error\n');
      });
      return true;
    }
    return false;
  };
}
