/**
 * The framework ceiling: the same tRPC version and standalone adapter Keyway uses
 * (`createHTTPHandler` behind node:http, base path `/trpc/`), serving one procedure that
 * verifies the bearer token exactly as Keyway does and returns the same JSON. No database,
 * no middleware, no rate limit, no log, no output validation.
 */
import { createServer } from 'node:http';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { bearerToken, createVerifier, readCeilingEnv, serveCeiling } from './lib/verify.js';

const env = readCeilingEnv();
const verify = createVerifier(env);

const t = initTRPC.context<{ accessToken: string | null }>().create({ isDev: false });
const appRouter = t.router({
  users: t.router({
    me: t.procedure.query(({ ctx }) => {
      if (!verify(ctx.accessToken)) throw new TRPCError({ code: 'UNAUTHORIZED' });
      return env.data;
    }),
  }),
});

const handler = createHTTPHandler({
  router: appRouter,
  basePath: '/trpc/',
  createContext: ({ req }) => ({ accessToken: bearerToken(req.headers.authorization) }),
});

const server = createServer(handler);
serveCeiling(server);
