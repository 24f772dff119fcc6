/**
 * An OpenAPI 3.1 document of a router, each procedure as its plain HTTP call: a query is
 * `GET /trpc/<path>?input=<url-encoded JSON>`, a mutation `POST /trpc/<path>` with the JSON
 * input as body. Bodies are described as they travel: `{result:{data}}` on success and tRPC's
 * error envelope otherwise. Everything comes from the procedures themselves (type, meta and
 * their zod schemas, through zod's own JSON Schema output), so a new procedure is documented
 * the moment it is added to the router.
 */
import type { AnyTRPCRouter } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { z } from 'zod';
import { listProcedures, type ProcedureInfo } from './procedure-list.js';

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<'get' | 'post', JsonSchema>>;
  components: JsonSchema;
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
}

const errorCodeKeys = Object.keys(TRPC_ERROR_CODES_BY_KEY) as [TRPC_ERROR_CODE_KEY, ...TRPC_ERROR_CODE_KEY[]];
const statusOf = (code: TRPC_ERROR_CODE_KEY) => getHTTPStatusCodeFromError(new TRPCError({ code }));

/**
 * tRPC's error envelope with what our error formatter adds. Read as input (open objects):
 * a client must accept fields added later.
 */
const errorEnvelope = z.object({
  error: z.object({
    message: z.string(),
    // Several keys share a number (NOT_IMPLEMENTED is INTERNAL_SERVER_ERROR's): each once.
    code: z.literal([...new Set(Object.values(TRPC_ERROR_CODES_BY_KEY))]).describe('JSON-RPC 2.0 error code'),
    data: z.object({
      code: z.enum(errorCodeKeys),
      httpStatus: z.number().int().describe('The HTTP status of the answer'),
      path: z.string().optional().describe('The procedure called'),
      fieldErrors: z.record(z.string(), z.array(z.string())).optional().describe('Validation failures by input field'),
      retryAfter: z.number().int().optional().describe('With TOO_MANY_REQUESTS: seconds to wait'),
      requestId: z.string().optional().describe('With INTERNAL_SERVER_ERROR: quote it to support'),
    }),
  }),
});

/** zod's JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of one parser. */
function jsonSchemaOf(parser: unknown, io: 'input' | 'output', where: string): JsonSchema {
  // A parser that is not a zod schema (a bare function) accepts or returns anything.
  if (!(parser instanceof z.core.$ZodType)) return {};
  try {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(parser, { io });
    // A `$ref` into `$defs` would resolve against the whole document, not this schema.
    if ('$defs' in schema) throw new Error('schemas with an id or a cycle are not supported here');
    return schema;
  } catch (cause) {
    throw new Error(
      `OpenAPI: cannot describe the ${io} of ${where} (${(cause as Error).message}); give the schema a .meta() with its JSON Schema type`,
      { cause },
    );
  }
}

/** The input's schema and whether a call must carry one; null when the procedure takes none. */
function inputOf(procedure: ProcedureInfo): { schema: JsonSchema; required: boolean } | null {
  const { inputs, path } = procedure;
  if (inputs.length === 0) return null;
  const schemas = inputs.map((parser) => jsonSchemaOf(parser, 'input', path));
  const required = inputs.some(
    (parser) => !(parser instanceof z.core.$ZodType) || !z.safeParse(parser as z.ZodType, undefined).success,
  );
  return { schema: schemas.length === 1 ? (schemas[0] as JsonSchema) : { allOf: schemas }, required };
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorResponse = (description: string, headers?: JsonSchema) => ({
  description,
  ...(headers ? { headers } : {}),
  content: json({ $ref: '#/components/schemas/ErrorEnvelope' }),
});

const components = {
  securitySchemes: {
    bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token of auth.login' },
  },
  schemas: { ErrorEnvelope: jsonSchemaOf(errorEnvelope, 'input', 'the error envelope') },
  responses: {
    BadRequest: errorResponse(`${statusOf('BAD_REQUEST')} BAD_REQUEST: invalid input (see error.data.fieldErrors)`),
    Unauthorized: errorResponse(
      `${statusOf('UNAUTHORIZED')} UNAUTHORIZED: missing, invalid, expired or revoked access token`,
    ),
    TooManyRequests: errorResponse(`${statusOf('TOO_MANY_REQUESTS')} TOO_MANY_REQUESTS: rate limited`, {
      'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
    }),
    InternalServerError: errorResponse(`${statusOf('INTERNAL_SERVER_ERROR')} INTERNAL_SERVER_ERROR`),
    Error: errorResponse('Any other error; the HTTP status equals error.data.httpStatus'),
  },
};

function operationOf(procedure: ProcedureInfo): JsonSchema {
  const { path, type, meta } = procedure;
  const input = inputOf(procedure);
  const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
  const success = {
    type: 'object',
    properties: {
      result: {
        type: 'object',
        properties: { data: jsonSchemaOf(procedure.output, 'output', path) },
        required: ['data'],
      },
    },
    required: ['result'],
  };
  return {
    operationId: path,
    tags: [path.split('.')[0]],
    summary: `${path} (${type})`,
    ...(meta.authenticated ? { security: [{ bearer: [] }] } : {}),
    ...(input && type === 'query'
      ? {
          parameters: [
            {
              name: 'input',
              in: 'query',
              required: input.required,
              description: 'The input as JSON, URL-encoded',
              content: json(input.schema),
            },
          ],
        }
      : {}),
    ...(input && type === 'mutation' ? { requestBody: { required: input.required, content: json(input.schema) } } : {}),
    responses: {
      200: { description: 'Success', content: json(success) },
      ...(input ? { [statusOf('BAD_REQUEST')]: ref('BadRequest') } : {}),
      ...(meta.authenticated ? { [statusOf('UNAUTHORIZED')]: ref('Unauthorized') } : {}),
      [statusOf('TOO_MANY_REQUESTS')]: ref('TooManyRequests'),
      [statusOf('INTERNAL_SERVER_ERROR')]: ref('InternalServerError'),
      default: ref('Error'),
    },
  };
}

/** The document of every query and mutation of `router` (subscriptions have no plain HTTP call). */
export function createOpenApiDocument(router: AnyTRPCRouter, options: OpenApiOptions): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const procedure of listProcedures(router)) {
    if (procedure.type === 'subscription') continue;
    const method = procedure.type === 'query' ? 'get' : 'post';
    paths[`/trpc/${procedure.path}`] = { [method]: operationOf(procedure) } as Record<'get' | 'post', JsonSchema>;
  }
  return {
    openapi: '3.1.0',
    info: { ...options },
    paths,
    components,
  };
}
