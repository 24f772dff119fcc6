/**
 * A lean path for the common case: one query by GET or one mutation by POST with a JSON
 * body, not batched, not streamed. tRPC's Node adapter turns every request into a Fetch
 * `Request` and every answer into a `Response`; on this 2-core machine that conversion
 * alone costs about four fifths of a trivial call. Here the procedure is called with
 * tRPC's own `callTRPCProcedure` and the error shape, status code and error formatter are
 * tRPC's own, so answers are byte-for-byte what the adapter would send. Anything else
 * (batches, unknown paths, other methods or content types) is left to the adapter.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AnyTRPCRouter, callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { sendJson } from './json-response.js';

export interface FastPathOptions<TContext> {
  router: AnyTRPCRouter;
  maxBodyBytes: number;
  createContext(request: IncomingMessage): TContext;
  onError(options: { error: TRPCError; path: string; request: IncomingMessage }): void;
  /** Extra headers for an error answer (Retry-After, say). */
  errorHeaders(error: TRPCError): Record<string, string> | undefined;
}

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

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    // BAD_REQUEST, as the adapter answers malformed JSON.
    throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
  }
}

/**
 * Returns a handler that serves the request and returns true, or returns false (touching
 * nothing) when the request is not one it handles.
 */
export function createFastPath<TContext extends object>(options: FastPathOptions<TContext>) {
  const { router } = options;
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, { _def: { type: string } } | undefined>;

  return (request: IncomingMessage, response: ServerResponse, path: string, search: string): boolean => {
    const type = request.method === 'GET' ? 'query' : request.method === 'POST' ? 'mutation' : null;
    if (!type || procedures[path]?._def.type !== type) return false;
    const query = new URLSearchParams(search);
    if (query.has('batch') || request.headers['trpc-accept'] !== undefined) return false;
    const contentType = request.headers['content-type'];
    if (type === 'mutation' && contentType !== undefined && !contentType.startsWith('application/json')) return false;

    let ctx: TContext | undefined;
    let input: unknown;
    const run = async () => {
      try {
        ctx = options.createContext(request);
        const raw = type === 'query' ? query.get('input') : await readBody(request, options.maxBodyBytes);
        input = parseJson(raw);
        const data = await callTRPCProcedure({
          router,
          path,
          type,
          ctx,
          getRawInput: async () => input,
          signal: undefined,
          batchIndex: 0,
        });
        sendJson(response, 200, { result: { data } });
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        options.onError({ error, path, request });
        const shape = getErrorShape({ config, error, type, path, input, ctx });
        sendJson(response, getHTTPStatusCodeFromError(error), { error: shape }, options.errorHeaders(error));
      }
    };
    void run();
    return true;
  };
}
