import * as schemas from '../schemas/index.js';
import { protectedProcedure } from '../trpc.js';

/** The caller's sessions (devices): see them, end one, end all others. */
export const sessionsRouter = {
  list: protectedProcedure
    .output(schemas.sessionListOutput)
    .query(async ({ ctx }) => ({ sessions: await ctx.services.sessions.list(ctx.principal) })),

  revoke: protectedProcedure
    .input(schemas.revokeSessionInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.sessions.revoke(ctx.principal, input.sessionId);
      return { success: true as const };
    }),

  revokeOthers: protectedProcedure.output(schemas.revokeOthersOutput).mutation(async ({ ctx }) => ({
    success: true as const,
    revoked: await ctx.services.sessions.revokeOthers(ctx.principal),
  })),
};
