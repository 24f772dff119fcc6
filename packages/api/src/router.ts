import type { TRPCBuiltRouter, TRPCDecorateCreateRouterOptions } from '@trpc/server';
import { authRouter } from './routers/auth.js';
import { mfaRouter } from './routers/mfa.js';
import { sessionsRouter } from './routers/sessions.js';
import { usersRouter } from './routers/users.js';
import { type ErrorShape, type Meta, router } from './trpc.js';

/** Every procedure, by domain. A new domain router is added here (and so reaches the client's types). */
const procedures = {
  auth: authRouter,
  users: usersRouter,
  sessions: sessionsRouter,
  mfa: mfaRouter,
};

export const appRouter = router(procedures);

/**
 * The router's type as a client sees it: every procedure's input, output and error shape, with
 * the server's request context left out (`ctx: object`). `typeof appRouter` would carry the
 * context type, and through it auth-core, MikroORM and Node's own types, into every frontend
 * that imports the client's declarations. `router.test.ts` proves the two types agree on
 * everything a client can see.
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: Meta; errorShape: ErrorShape; transformer: false },
  TRPCDecorateCreateRouterOptions<typeof procedures>
>;
