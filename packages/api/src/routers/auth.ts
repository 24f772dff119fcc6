import * as schemas from '../schemas/index.js';
import { presentedRefreshToken } from '../session-transport.js';
import { protectedProcedure, publicProcedure } from '../trpc.js';

export const authRouter = {
  login: publicProcedure
    .meta({ rateLimit: 'login', session: 'issue' })
    .input(schemas.loginInput)
    .output(schemas.loginOutput)
    .mutation(({ ctx, input }) => ctx.services.auth.login({ ...input, userAgent: ctx.userAgent, ip: ctx.clientIp })),

  verifyMfa: publicProcedure
    .meta({ session: 'issue' })
    .input(schemas.verifyMfaInput)
    .output(schemas.verifyMfaOutput)
    .mutation(({ ctx, input }) =>
      ctx.services.auth.verifyMfa({ ...input, userAgent: ctx.userAgent, ip: ctx.clientIp }),
    ),

  refresh: publicProcedure
    .meta({ session: 'issue' })
    .input(schemas.refreshInput)
    .output(schemas.tokenPairOutput)
    .mutation(({ ctx, input }) => ctx.services.auth.refresh(presentedRefreshToken(ctx.session, input?.refreshToken))),

  /** For other services: is this access token valid and unrevoked right now? */
  introspect: publicProcedure
    .meta({ rateLimit: 'introspect' })
    .input(schemas.introspectInput)
    .output(schemas.introspectOutput)
    .query(({ ctx, input }) => ctx.services.auth.introspect(input.token)),

  logout: protectedProcedure
    .meta({ session: 'clear' })
    .input(schemas.logoutInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.auth.logout(ctx.principal, input?.refreshToken);
      return { success: true as const };
    }),

  logoutAll: protectedProcedure
    .meta({ session: 'clear' })
    .output(schemas.successOutput)
    .mutation(async ({ ctx }) => {
      await ctx.services.auth.logoutAll(ctx.principal);
      return { success: true as const };
    }),
};
