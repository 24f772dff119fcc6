/**
 * tRPC over HTTP: the one request path for every call under /trpc/.
 *
 * A plain call (one known procedure by its own method, a JSON body or no body, not batched,
 * not streamed) is served here directly on tRPC's `callTRPCProcedure`: tRPC's Node adapter
 * turns every request into a Fetch `Request` and every answer into a `Response`, and on a
 * 2-core machine that conversion alone cost about four fifths of a trivial call
 * (apps/server/bench/README.md, "Request path"). Everything else — batches, streaming, HEAD,
 * other content types, unknown paths, a procedure called by the wrong method — goes to
 * tRPC's stock node-http adapter in one place, `stockAdapter`, with the same context, the
 * same `onError` and the same answer headers.
 *
 * Both answer with one error envelope, tRPC's own shape made by the router's error formatter
 * (`errorBody`); request-path.test.ts sends every procedure through this path and through the
 * stock adapter alone and compares the answers, and trpc-handler.test.ts pins the tRPC APIs
 * used here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listProcedures } from '@keyway/api';
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  type TRPCProcedureType,
} from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { sendJson } from './json-response.js';

/** What the one `onError` hears of a failed call, from either side of the path. */
export interface CallError {
  error: TRPCError;
  /** The procedure path (`users.me`), or the comma-separated paths of a batch. */
  path: string;
  req: IncomingMessage;
}

export interface TrpcHandlerOptions<TContext extends object> {
  router: AnyTRPCRouter;
  maxBodyBytes: number;
  createContext(options: { req: IncomingMessage }): TContext;
  onError(call: CallError): void;
  /** Headers for an answer carrying these errors (Retry-After, say). */
  errorHeaders(errors: TRPCError[]): Record<string, string> | undefined;
}

/** Serves one request whose URL path is `/trpc/<path>?<search>`. */
export type TrpcHandler = (request: IncomingMessage, response: ServerResponse, path: string, search: string) => void;

/**
 * The error envelope every error answer carries, from tRPC's `getTRPCErrorShape` and the
 * router's own `errorFormatter`. The root config is read off the router: tRPC offers no
 * other way to reach it (pinned by trpc-handler.test.ts).
 */
export function createErrorBody(router: AnyTRPCRouter) {
  const config = router._def._config;
  return (
    error: TRPCError,
    call: { path?: string; type?: TRPCProcedureType | 'unknown'; input?: unknown; ctx?: unknown } = {},
  ) => ({
    error: getTRPCErrorShape({
      config,
      error,
      path: call.path,
      type: call.type ?? 'unknown',
      input: call.input,
      ctx: call.ctx as never,
    }),
  });
}

/** tRPC's stock node-http adapter, for every request the plain path does not serve. */
export function stockAdapter<TContext extends object>(options: TrpcHandlerOptions<TContext>): TrpcHandler {
  return (request, response, path) => {
    void nodeHTTPRequestHandler({
      router: options.router,
      req: request,
      res: response,
      path,
      maxBodySize: options.maxBodyBytes,
      createContext: ({ req }) => options.createContext({ req }),
      // Appended to the adapter's own `Vary: trpc-accept, accept`.
      responseMeta: ({ errors }) => ({
        headers: new Headers([['Vary', 'Origin'], ...Object.entries(options.errorHeaders(errors) ?? {})]),
      }),
      onError: ({ error, path: callPath, req }) => options.onError({ error, path: callPath ?? path, req }),
    });
  };
}

/**
 * What a plain answer says it varies on, as the adapter does (a `trpc-accept` call is
 * answered by the adapter, differently), plus `Origin` (the CORS headers depend on it).
 */
const plainHeaders = { Vary: 'trpc-accept, accept, Origin' };

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    // The request stream fails only when the client goes away mid-body: its doing, not an
    // error of ours (tRPC's 499), so it is not logged as unexpected.
    request.on('error', (cause) => reject(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', cause })));
  });
}

function parseJson(text: string | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
  }
}

export function createTrpcHandler<TContext extends object>(options: TrpcHandlerOptions<TContext>): TrpcHandler {
  const { router } = options;
  const procedureTypes = new Map(listProcedures(router).map((procedure) => [procedure.path, procedure.type]));
  const errorBody = createErrorBody(router);
  const delegate = stockAdapter(options);

  /** The call's type when the plain path serves it, else null. */
  function plainCallType(request: IncomingMessage, path: string, search: string): 'query' | 'mutation' | null {
    const type = procedureTypes.get(path);
    if (!(type === 'query' && request.method === 'GET') && !(type === 'mutation' && request.method === 'POST')) {
      return null;
    }
    if (request.headers['trpc-accept'] !== undefined || search.includes('batch=')) return null;
    const contentType = request.headers['content-type'];
    if (type === 'mutation' && !contentType?.startsWith('application/json')) return null;
    return type;
  }

  async function servePlainCall(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    type: 'query' | 'mutation',
    search: string,
  ) {
    let ctx: TContext | undefined;
    let input: unknown;
    // Read and parsed only when the procedure asks for it, as the adapter does: a call refused
    // by its rate limit or its bearer token never reads its body.
    let parsed: Promise<unknown> | undefined;
    const getRawInput = () => {
      parsed ??= (async () => {
        const raw =
          type === 'query' ? new URLSearchParams(search).get('input') : await readBody(request, options.maxBodyBytes);
        input = parseJson(raw);
        return input;
      })();
      return parsed;
    };
    try {
      ctx = options.createContext({ req: request });
      const data = await callTRPCProcedure({ router, path, type, ctx, getRawInput, signal: undefined, batchIndex: 0 });
      sendJson(response, 200, { result: { data } }, plainHeaders);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError({ error, path, req: request });
      sendJson(response, getHTTPStatusCodeFromError(error), errorBody(error, { path, type, input, ctx }), {
        ...plainHeaders,
        ...options.errorHeaders([error]),
      });
    }
  }

  return (request, response, path, search) => {
    const type = plainCallType(request, path, search);
    if (type) void servePlainCall(request, response, path, type, search);
    else delegate(request, response, path, search);
  };
}
