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
  bearerOnlyTransport,
  createBackoffCounter,
  createContextFactory,
  createMailThrottle,
  createRateLimiter,
  listProcedures,
  retryAfterOf,
  type SessionTransport,
} from '@keyway/api';
import { type Clock, createAuthCore, isDatabaseReachable, type MailSender, type Orm } from '@keyway/auth-core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { logWhenClosed, requestIdOf, setAnswerHeaders, setApiHeaders } from './answer-headers.js';
import type { ServerConfig } from './config.js';
import { sendJson } from './json-response.js';
import { createJwksRoute } from './jwks-route.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createOpsRoutes } from './ops-routes.js';
import { refuseUnhandledRequests } from './raw-refusals.js';
import { createRedisStore } from './redis-store.js';
import { createSessionCookies } from './session-cookie.js';
import {
  type CallError,
  createErrorBody,
  createTrpcHandler,
  type TrpcHandler,
  type TrpcHandlerOptions,
} from './trpc-handler.js';

export const maxBodyBytes = 64 * 1024;
const allowedMethods = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);
const requestIds = new WeakMap<IncomingMessage, string>();

export interface ServerOptions {
  config: ServerConfig;
  orm: Orm;
  logger: Logger;
  clock?: Clock;
  mail?: MailSender;
  /**
   * Makes the handler of /trpc/ calls: `createTrpcHandler` (trpc-handler.ts); the
   * path-equivalence test passes tRPC's stock adapter to compare the two.
   */
  trpcHandler?: <TContext extends object>(options: TrpcHandlerOptions<TContext>) => TrpcHandler;
}

/** `Retry-After` of a rate-limited answer: the first refusal's wait (a batch answers once). */
function retryAfterHeaders(errors: TRPCError[]): Record<string, string> | undefined {
  for (const error of errors) {
    const seconds = retryAfterOf(error.cause);
    if (seconds !== undefined) return { 'Retry-After': String(seconds) };
  }
  return undefined;
}

/** An error answer outside any procedure (405, 413, a refused cookie call, 404): tRPC's envelope too. */
const errorBody = createErrorBody(appRouter);
function sendError(response: ServerResponse, code: TRPCError['code'], message: string): void {
  const error = new TRPCError({ code, message });
  sendJson(response, getHTTPStatusCodeFromError(error), errorBody(error));
}

export async function createServer({
  config,
  orm,
  logger,
  clock,
  mail,
  trpcHandler = createTrpcHandler,
}: ServerOptions) {
  const metrics = config.metrics
    ? createMetrics({ router: appRouter, rateLimitRules: Object.keys(config.rateLimitRules) })
    : null;
  const redis = config.rateLimitStore === 'memory' ? null : await createRedisStore(config.rateLimitStore, logger);
  /** Where rate limits, the account backoff and the mail throttle count: one store, one prefix. */
  const counters = { store: redis?.store ?? ({ kind: 'memory' } as const), keyPrefix: config.rateLimitPrefix };
  const core = await createAuthCore({
    orm,
    config,
    clock,
    logger,
    mail,
    onMailOutcome: metrics?.mailOutcome,
    mailThrottle: createMailThrottle({ rule: config.mailAccountLimit, ...counters }),
    backoffCounter: createBackoffCounter({ rule: config.loginBackoff, ...counters }),
  });
  metrics?.trackMailDepth(core.mailDepth);
  const rateLimiter = createRateLimiter({ rules: config.rateLimitRules, ...counters });
  const allowedOrigins = new Set(config.corsOrigins);
  const sessionCookies = createSessionCookies(
    config.sessionCookie,
    allowedOrigins,
    new Set(listProcedures(appRouter).flatMap(({ path, meta }) => (meta.session ? [path] : []))),
  );
  /** The browser-session transport of a request to a procedure that uses the refresh cookie. */
  const sessionTransports = new WeakMap<IncomingMessage, SessionTransport>();

  /**
   * The one error hook: every refused call is counted; unexpected errors are logged with the
   * request id (the caller sees only a generic message).
   */
  function onCallError({ error, path, req }: CallError): void {
    metrics?.refused(path, error);
    const requestId = requestIds.get(req);
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
    observer: metrics?.observer,
    sessionOf: (request) => sessionTransports.get(request) ?? bearerOnlyTransport,
  });
  const handleTrpc = trpcHandler({
    router: appRouter,
    maxBodyBytes,
    createContext,
    onError: onCallError,
    errorHeaders: retryAfterHeaders,
  });

  const opsRoutes = createOpsRoutes({
    metrics,
    metricsToken: config.metricsToken,
    rateLimiter,
    trustProxy: config.trustProxy,
  });

  const jwksRoute = createJwksRoute(core.tokens.jwks());

  async function health(response: ServerResponse): Promise<void> {
    const timeout = new Promise<false>((resolve) => setTimeout(resolve, 2000, false).unref());
    const up = await Promise.race([isDatabaseReachable(orm), timeout]);
    sendJson(response, up ? 200 : 503, { status: up ? 'ok' : 'unavailable' });
  }

  // While stopping, every response closes its connection, so keep-alive clients of the
  // requests being drained do not hold the server open until their idle timeout.
  let stopping = false;
  const inFlight = new Set<ServerResponse>();

  const server = createHttpServer((request, response) => {
    const started = performance.now();
    inFlight.add(response);
    if (stopping) response.setHeader('Connection', 'close');
    const requestId = requestIdOf(request);
    requestIds.set(request, requestId);
    setAnswerHeaders(request, response, requestId, allowedOrigins);
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    logWhenClosed(logger, request, response, { requestId, path, started }, () => {
      inFlight.delete(response);
      // A response whose headers went out before stop() kept its connection alive: close it
      // as soon as it is idle.
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });

    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Request-Id, X-Keyway-Session, trpc-accept',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return;
    }
    if (!allowedMethods.has(request.method ?? '')) {
      // Before any handler: the tRPC adapter throws on methods it does not know (TRACE, say).
      response.setHeader('Allow', 'GET, POST, OPTIONS, HEAD');
      sendError(response, 'METHOD_NOT_SUPPORTED', 'Method not allowed');
      return;
    }
    if (path === '/trpc' || path.startsWith('/trpc/')) setApiHeaders(response);
    if (path.startsWith('/trpc/')) {
      const trpcPath = path.slice('/trpc/'.length);
      const length = Number(request.headers['content-length']);
      if (length > maxBodyBytes) {
        // Refused before a byte of the body is read.
        metrics?.refused(trpcPath, { code: 'PAYLOAD_TOO_LARGE' });
        response.setHeader('Connection', 'close');
        sendError(response, 'PAYLOAD_TOO_LARGE', 'Request body too large');
        return;
      }
      const procedures = trpcPath.split(',');
      if (sessionCookies.uses(procedures)) {
        const refusal = sessionCookies.refusal(request, procedures);
        if (refusal) {
          // Before any body is read or procedure runs: nothing changes.
          metrics?.refused(trpcPath, { code: 'FORBIDDEN' });
          sendError(response, 'FORBIDDEN', refusal);
          return;
        }
        sessionTransports.set(request, sessionCookies.transport(request, response));
      }
      const query = request.url?.indexOf('?') ?? -1;
      const search = query === -1 ? '' : (request.url ?? '').slice(query + 1);
      handleTrpc(request, response, trpcPath, search);
      return;
    }
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      void health(response);
      return;
    }
    if (opsRoutes(request, response, path)) return;
    if (jwksRoute(request, response, path)) return;
    sendError(response, 'NOT_FOUND', 'Not found');
  });
  refuseUnhandledRequests(server);
  server.keepAliveTimeout = 65_000;

  let purgeTimer: NodeJS.Timeout | undefined;

  return {
    core,
    /** Listens on the configured host and port (0 picks a free port); resolves with the URL. */
    async start(): Promise<string> {
      await redis?.ready(3000);
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
      // Sends what is pending at once (mail queued before a crash or a deploy), then polls.
      core.mailWorker.start();
      return this.url;
    },
    get url(): string {
      const address = server.address() as AddressInfo | null;
      if (!address) throw new Error('Server is not listening');
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    /**
     * Stops accepting, lets in-flight requests finish, then closes mail, Redis and the
     * database. Queued mail is not waited for: it stays in the outbox for the next instance.
     */
    async stop(): Promise<void> {
      clearInterval(purgeTimer);
      const mailStopped = core.mailWorker.stop();
      stopping = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
      await mailStopped;
      await core.close();
      await redis?.close();
      await orm.close(true);
      logger.flush();
    },
  };
}

export type KeywayServer = Awaited<ReturnType<typeof createServer>>;
