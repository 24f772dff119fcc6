/**
 * Pins the tRPC APIs the request path (trpc-handler.ts) is built on, on a small router of
 * its own: if an upgrade changes what they do, these fail before an answer changes.
 */
import { callTRPCProcedure, getTRPCErrorShape, initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createErrorBody } from './trpc-handler.js';

const t = initTRPC.context<{ user: string }>().create({
  isDev: false,
  errorFormatter: ({ shape, ctx }) => ({ ...shape, data: { ...shape.data, formattedFor: ctx?.user ?? null } }),
});
const router = t.router({
  greet: t.procedure
    .input(z.object({ name: z.string() }))
    .query(({ input, ctx }) => `${ctx.user} greets ${input.name}`),
  plain: t.procedure.mutation(() => 'done'),
});

describe('the tRPC APIs the request path relies on', () => {
  it('callTRPCProcedure runs a procedure with its context, reading the input only when asked', async () => {
    let reads = 0;
    const getRawInput = async () => {
      reads += 1;
      return { name: 'Ada' };
    };
    const call = { router, ctx: { user: 'Bob' }, signal: undefined, batchIndex: 0 };
    expect(await callTRPCProcedure({ ...call, path: 'greet', type: 'query', getRawInput })).toBe('Bob greets Ada');
    expect(await callTRPCProcedure({ ...call, path: 'plain', type: 'mutation', getRawInput })).toBe('done');
    expect(reads).toBe(1);
    const unknown = callTRPCProcedure({ ...call, path: 'nothing', type: 'query', getRawInput });
    await expect(unknown).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('getTRPCErrorShape with the router’s config runs the router’s errorFormatter', () => {
    const error = new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Slow down' });
    const shape = getTRPCErrorShape({
      config: router._def._config,
      error,
      type: 'query',
      path: 'greet',
      input: undefined,
      ctx: { user: 'Bob' },
    });
    expect(shape).toEqual({
      message: 'Slow down',
      code: -32029,
      data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, path: 'greet', formattedFor: 'Bob' },
    });
    expect(createErrorBody(router)(error)).toEqual({
      error: {
        message: 'Slow down',
        code: -32029,
        data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, formattedFor: null },
      },
    });
  });

  it('getHTTPStatusCodeFromError gives each code its status', () => {
    const status = (code: TRPCError['code']) => getHTTPStatusCodeFromError(new TRPCError({ code }));
    expect([
      status('BAD_REQUEST'),
      status('UNAUTHORIZED'),
      status('NOT_FOUND'),
      status('METHOD_NOT_SUPPORTED'),
    ]).toEqual([400, 401, 404, 405]);
    expect([status('PAYLOAD_TOO_LARGE'), status('TOO_MANY_REQUESTS'), status('SERVICE_UNAVAILABLE')]).toEqual([
      413, 429, 503,
    ]);
  });
});
