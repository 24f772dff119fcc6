/**
 * The HTTP host: tRPC at /trpc, /healthz, request ids, security headers, CORS, one log
 * line per request, the deny-list purge timer, and a graceful stop that drains requests
 * before closing the database.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  appRouter,
  createContextFactory,
  createRateLimiter,
  RateLimitExceededError,
  type RateLimitStore,
} from '@keyway/api';
import { type Clock, createAuthCore, isDatabaseReachable, type MailSender, type Orm } from '@keyway/auth-core';
import type { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { Redis } from 'ioredis';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import { createFastPath } from './trpc-fast-path.js';

export const maxBodyBytes = 64 * 1024;
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const requestIds = new WeakMap<IncomingMessage, string>();

export interface ServerOptions {
  config: ServerConfig;
  orm: Orm;
  logger: Logger;
  clock?: Clock;
  mail?: MailSender;
}

function createRedisStore(url: string, logger: Logger): { store: RateLimitStore; close(): Promise<void> } {
  const client = new Redis(url, {
    // Fail commands at once while disconnected: the in-memory insurance limiter answers instead.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2000),
  });
  let healthy = true;
  client.on('error', (error) => {
    if (healthy) logger.warn({ err: error }, 'Redis unreachable; rate limits fall back to this instance');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info('Redis reachable again; rate limits are shared');
    healthy = true;
  });
  return { store: { kind: 'redis', client }, close: async () => void client.disconnect() };
}

function retryAfterHeaders(error: TRPCError): Record<string, string> | undefined {
  return error.cause instanceof RateLimitExceededError
    ? { 'Retry-After': String(error.cause.retryAfterSeconds) }
    : undefined;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function createServer({ config, orm, logger, clock, mail }: ServerOptions) {
  const core = await createAuthCore({ orm, config, clock, logger, mail });
  const redis = config.rateLimitStore === 'memory' ? null : createRedisStore(config.rateLimitStore, logger);
  const rateLimiter = createRateLimiter({ rules: config.rateLimitRules, store: redis?.store ?? { kind: 'memory' } });
  const allowedOrigins = new Set(config.corsOrigins);

  /** Unexpected errors are logged with the request id; the caller sees only a generic message. */
  function logProcedureError(error: TRPCError, path: string, request: IncomingMessage): void {
    const requestId = requestIds.get(request);
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: error.cause ?? error, requestId, path }, 'Unexpected error');
    } else if (error.code === 'SERVICE_UNAVAILABLE') {
      logger.warn({ err: error.cause ?? error, requestId, path }, 'Database unavailable');
    }
  }

  const createContext = createContextFactory({
    core,
    rateLimiter,
    trustProxy: config.trustProxy,
    requestIdOf: (request) => requestIds.get(request) ?? randomUUID(),
  });
  const fastPath = createFastPath({
    router: appRouter,
    maxBodyBytes,
    createContext: (req) => createContext({ req }),
    onError: ({ error, path, request }) => logProcedureError(error, path, request),
    errorHeaders: retryAfterHeaders,
  });
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: maxBodyBytes,
    createContext,
    responseMeta({ errors }) {
      const headers = errors.map(retryAfterHeaders).find(Boolean);
      return headers ? { headers } : {};
    },
    onError: ({ error, path, req }) => logProcedureError(error, path ?? '', req),
  });

  async function health(response: ServerResponse): Promise<void> {
    const timeout = new Promise<false>((resolve) => setTimeout(resolve, 2000, false).unref());
    const up = await Promise.race([isDatabaseReachable(orm), timeout]);
    sendJson(response, up ? 200 : 503, { status: up ? 'ok' : 'unavailable' });
  }

  const server = createHttpServer((request, response) => {
    const started = performance.now();
    const incomingId = request.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && requestIdPattern.test(incomingId) ? incomingId : randomUUID();
    requestIds.set(request, requestId);
    response.setHeader('X-Request-Id', requestId);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const origin = request.headers.origin;
    if (origin && allowedOrigins.has(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
    }
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    response.on('finish', () => {
      logger.info(
        {
          requestId,
          method: request.method,
          path,
          status: response.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    });

    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Request-Id, trpc-accept',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return;
    }
    if (path.startsWith('/trpc/')) {
      response.setHeader('Cache-Control', 'no-store');
      const length = Number(request.headers['content-length']);
      if (length > maxBodyBytes) {
        // Refused before a byte of the body is read.
        response.setHeader('Connection', 'close');
        sendJson(response, 413, {
          error: {
            message: 'Request body too large',
            code: -32013,
            data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
          },
        });
        return;
      }
      const query = request.url?.indexOf('?') ?? -1;
      const search = query === -1 ? '' : (request.url ?? '').slice(query + 1);
      if (!fastPath(request, response, path.slice('/trpc/'.length), search)) trpcHandler(request, response);
      return;
    }
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      void health(response);
      return;
    }
    sendJson(response, 404, {
      error: { message: 'Not found', code: -32004, data: { code: 'NOT_FOUND', httpStatus: 404 } },
    });
  });
  server.keepAliveTimeout = 65_000;

  let purgeTimer: NodeJS.Timeout | undefined;

  return {
    core,
    /** Listens on the configured host and port (0 picks a free port); resolves with the URL. */
    async start(): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      purgeTimer = setInterval(() => {
        core.purgeExpired().then(
          (deleted) => deleted > 0 && logger.info({ deleted }, 'Purged expired tokens and sessions'),
          (error: unknown) => logger.warn({ err: error }, 'Purge failed'),
        );
      }, config.purgeIntervalSeconds * 1000);
      // The timer must never keep the process alive on its own.
      purgeTimer.unref();
      return this.url;
    },
    get url(): string {
      const address = server.address() as AddressInfo | null;
      if (!address) throw new Error('Server is not listening');
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    /** Stops accepting, lets in-flight requests finish, then closes mail, Redis and the database. */
    async stop(): Promise<void> {
      clearInterval(purgeTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
      await core.close();
      await redis?.close();
      await orm.close(true);
      logger.flush();
    },
  };
}

export type KeywayServer = Awaited<ReturnType<typeof createServer>>;
