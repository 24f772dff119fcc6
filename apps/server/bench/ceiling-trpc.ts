/**
 * The tRPC floor: Keyway's own request path (`createTrpcHandler`, src/trpc-handler.ts) behind
 * node:http, serving one procedure built the way Keyway builds its protected ones — a
 * middleware that checks the bearer token exactly as Keyway does and hands the caller on in
 * the context, Keyway's own `users.me` output schema, the resolver — and nothing else: no
 * database read, rate limit, log line, request id or answer headers. It is what one guarded
 * tRPC procedure call costs on this path; everything a `users.me` call costs beyond it is
 * Keyway's own work.
 */
import { createServer } from 'node:http';
import { userResultOutput } from '@keyway/api/schemas';
import { initTRPC, TRPCError } from '@trpc/server';
import { createTrpcHandler } from '../src/trpc-handler.js';
import { bearerToken, createVerifier, readCeilingEnv, serveCeiling } from './lib/verify.js';

const env = readCeilingEnv();
const verify = createVerifier(env);
// Keyway's user as its read returns it (dates as Date), so the output schema does the same work.
const { user } = userResultOutput.encode(env.data as Parameters<typeof userResultOutput.encode>[0]);

const t = initTRPC.context<{ accessToken: string | null }>().create({ isDev: false });
const checkedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!verify(ctx.accessToken)) throw new TRPCError({ code: 'UNAUTHORIZED' });
  return next({ ctx: { principal: { user } } });
});
const router = t.router({
  users: t.router({
    me: checkedProcedure.output(userResultOutput).query(({ ctx }) => ({ user: ctx.principal.user })),
  }),
});

const handle = createTrpcHandler({
  router,
  // A GET has no body; the size Keyway allows (src/server.ts), for the rest.
  maxBodyBytes: 64 * 1024,
  createContext: ({ req }) => ({ accessToken: bearerToken(req.headers.authorization) }),
  onError: () => {},
  errorHeaders: () => undefined,
});

const server = createServer((request, response) => {
  const [path = '', search = ''] = (request.url ?? '').split('?', 2);
  if (!path.startsWith('/trpc/')) {
    response.writeHead(404).end();
    return;
  }
  handle(request, response, path.slice('/trpc/'.length), search);
});
serveCeiling(server);
