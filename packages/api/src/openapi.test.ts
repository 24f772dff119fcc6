/**
 * The OpenAPI document: valid for standard tooling (checked by a maintained validator),
 * every procedure of the router in it as its HTTP call, and each part drawn from the
 * procedure's own schemas.
 */
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOpenApiDocument, type JsonSchema } from './openapi.js';
import { listProcedures } from './procedure-list.js';
import { appRouter } from './router.js';
import * as schemas from './schemas/index.js';
import { protectedProcedure, publicProcedure, router } from './trpc.js';

const info = { title: 'Keyway API', version: '1.2.3' };

async function expectValid(document: object) {
  const result = await validate(structuredClone(document) as OpenAPIV3_1.Document);
  expect(result.valid ? '' : compileErrors(result)).toBe('');
  expect(result.specification).toBe('OpenAPI');
}

describe('the OpenAPI document of the router', () => {
  const document = createOpenApiDocument(appRouter, info);
  const operation = (path: string, method: 'get' | 'post') => document.paths[`/trpc/${path}`]?.[method] as JsonSchema;

  it('is valid OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual(info);
    await expectValid(document);
  });

  it('has every procedure of the router, queries as GET and mutations as POST, and nothing else', () => {
    const procedures = listProcedures(appRouter);
    expect(Object.keys(document.paths).sort()).toEqual(procedures.map(({ path }) => `/trpc/${path}`).sort());
    for (const { path, type } of procedures) {
      expect(Object.keys(document.paths[`/trpc/${path}`] ?? {}), path).toEqual([type === 'query' ? 'get' : 'post']);
      expect(operation(path, type === 'query' ? 'get' : 'post').operationId).toBe(path);
    }
  });

  it('describes a mutation’s JSON body with its input schema', () => {
    const login = operation('auth.login', 'post');
    expect(login.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: expect.objectContaining({ required: ['email', 'password'] }) } },
    });
    expect(login).not.toHaveProperty('parameters');
    expect(login).not.toHaveProperty('security');
    // The optional input of logout makes an optional body.
    expect(operation('auth.logout', 'post').requestBody).toMatchObject({ required: false });
  });

  it('wraps the output in {result:{data}} and describes what an output transform returns', () => {
    const me = operation('users.me', 'get');
    const success = (me.responses as Record<string, JsonSchema>)['200'] as JsonSchema;
    const data = (success.content as Record<string, { schema: JsonSchema }>)['application/json']?.schema;
    expect(data).toMatchObject({
      required: ['result'],
      properties: { result: { required: ['data'], properties: { data: { required: ['user'] } } } },
    });
    const user = z.toJSONSchema(schemas.userOutput, { io: 'output' });
    expect(JSON.stringify(data)).toContain(JSON.stringify(user.properties));
    expect(user.properties?.createdAt).toEqual({ type: 'string', format: 'date-time' });
  });

  it('marks protected procedures with the bearer scheme and a 401, and documents errors as their envelope', () => {
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    for (const { path, type, meta } of listProcedures(appRouter)) {
      const op = operation(path, type === 'query' ? 'get' : 'post');
      expect(op.security, path).toEqual(meta.authenticated ? [{ bearer: [] }] : undefined);
      expect(Object.keys(op.responses as object), path).toEqual(
        expect.arrayContaining(['200', '429', '500', 'default', ...(meta.authenticated ? ['401'] : [])]),
      );
    }
    expect(operation('users.me', 'get').security).toEqual([{ bearer: [] }]);
    const envelope = (document.components.schemas as Record<string, JsonSchema>).ErrorEnvelope;
    expect(envelope).toMatchObject({
      required: ['error'],
      properties: { error: { required: ['message', 'code', 'data'] } },
    });
    // JSON-RPC codes once each (tRPC gives some keys the same number), UNAUTHORIZED's among them.
    const error = (envelope?.properties ?? {}) as Record<string, { properties: Record<string, { enum?: number[] }> }>;
    const codes = error.error?.properties.code?.enum ?? [];
    expect(codes).toEqual([...new Set(codes)]);
    expect(codes).toContain(-32001);
  });
});

describe('the generator on other procedures', () => {
  const echo = z.object({ text: z.string().max(10) });
  const testRouter = router({
    lookup: {
      find: publicProcedure
        .input(echo)
        .output(echo)
        .query(({ input }) => input),
      list: protectedProcedure
        .input(z.object({ limit: z.number().int().max(200).optional() }).optional())
        .output(z.object({ count: z.number() }))
        .query(() => ({ count: 0 })),
      merged: publicProcedure
        .input(echo)
        .input(z.object({ extra: z.boolean() }))
        .output(z.unknown())
        .mutation(() => null),
      loose: publicProcedure.input((value: unknown) => value).mutation(() => 'anything'),
    },
  });
  const document = createOpenApiDocument(testRouter, info);
  const op = (path: string, method: 'get' | 'post') => document.paths[`/trpc/lookup.${path}`]?.[method] as JsonSchema;

  it('puts a query’s input in the `input` query parameter as JSON, required unless the input is optional', async () => {
    await expectValid(document);
    expect(op('find', 'get').parameters).toEqual([
      expect.objectContaining({
        name: 'input',
        in: 'query',
        required: true,
        content: { 'application/json': { schema: expect.objectContaining({ required: ['text'] }) } },
      }),
    ]);
    expect(op('list', 'get').parameters).toEqual([expect.objectContaining({ name: 'input', required: false })]);
    expect(op('list', 'get').security).toEqual([{ bearer: [] }]);
  });

  it('combines chained inputs with allOf and leaves parsers that are not zod schemas open', () => {
    const merged = op('merged', 'post').requestBody as { content: Record<string, { schema: JsonSchema }> };
    expect(merged.content['application/json']?.schema.allOf).toHaveLength(2);
    const loose = op('loose', 'post').requestBody as {
      required: boolean;
      content: Record<string, { schema: JsonSchema }>;
    };
    expect(loose).toEqual({ required: true, content: { 'application/json': { schema: {} } } });
  });

  it('refuses, naming the procedure, an output it cannot describe', () => {
    const undescribed = router({
      when: publicProcedure.output(z.object({ at: z.date().transform(String) })).query(() => ({ at: new Date() })),
    });
    expect(() => createOpenApiDocument(undescribed, info)).toThrow(/output of when .*\.meta\(\)/);
  });
});
