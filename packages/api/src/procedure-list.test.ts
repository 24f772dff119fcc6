/**
 * Pins the one place that reads tRPC's procedure internals: if an upgrade moves a
 * procedure's type, meta, input or output parsers, these fail instead of the OpenAPI
 * document silently losing its schemas.
 */
import { describe, expect, it } from 'vitest';
import { listProcedures } from './procedure-list.js';
import { appRouter } from './router.js';
import * as schemas from './schemas/index.js';

/** Paths read from the router's own properties: a procedure is a function, a sub-router a record. */
function publicPaths(record: object, prefix = ''): string[] {
  return Object.entries(record).flatMap(([key, value]) => {
    if (prefix === '' && (key === '_def' || key === 'createCaller')) return [];
    if (typeof value === 'function') return [`${prefix}${key}`];
    return publicPaths(value as object, `${prefix}${key}.`);
  });
}

describe('listProcedures', () => {
  const procedures = new Map(listProcedures(appRouter).map((procedure) => [procedure.path, procedure]));

  it('finds a mutation with its meta and its own input and output schemas', () => {
    expect(procedures.get('auth.login')).toEqual({
      path: 'auth.login',
      type: 'mutation',
      meta: { rateLimit: 'login', session: 'issue' },
      inputs: [schemas.loginInput],
      output: schemas.loginOutput,
    });
  });

  it('finds a protected query that takes no input', () => {
    expect(procedures.get('users.me')).toEqual({
      path: 'users.me',
      type: 'query',
      meta: { authenticated: true },
      inputs: [],
      output: schemas.userResultOutput,
    });
  });

  it('lists every procedure of the router (as its public record has them), each with an output schema', () => {
    expect([...procedures.keys()].sort()).toEqual(publicPaths(appRouter).sort());
    expect(procedures.size).toBeGreaterThanOrEqual(11);
    for (const [path, procedure] of procedures) expect(procedure.output, path).toBeDefined();
  });
});
