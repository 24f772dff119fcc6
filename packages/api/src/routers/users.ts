import * as schemas from '../schemas/index.js';
import { protectedProcedure, publicProcedure } from '../trpc.js';

export const usersRouter = {
  register: publicProcedure
    .meta({ rateLimit: 'register' })
    .input(schemas.registerInput)
    .output(schemas.userResultOutput)
    .mutation(async ({ ctx, input }) => ({ user: await ctx.services.users.register(input) })),

  /** The user read by the authentication check of this very call: no second query. */
  me: protectedProcedure.output(schemas.userResultOutput).query(({ ctx }) => ({ user: ctx.principal.user })),

  changePassword: protectedProcedure
    .input(schemas.changePasswordInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.users.changePassword(ctx.principal, input);
      return { success: true as const };
    }),

  /** In cookie mode the answer also clears the refresh cookie: its session is gone with the account. */
  deleteAccount: protectedProcedure
    .meta({ session: 'clear' })
    .input(schemas.deleteAccountInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.users.deleteAccount(ctx.principal, input);
      return { success: true as const };
    }),

  requestPasswordReset: publicProcedure
    .meta({ rateLimit: 'reset' })
    .input(schemas.requestPasswordResetInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.users.requestPasswordReset(input.email);
      return { success: true as const };
    }),

  resetPassword: publicProcedure
    .input(schemas.resetPasswordInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.users.resetPassword(input);
      return { success: true as const };
    }),

  /**
   * Whether a reset link is still good, without spending it. A mutation (POST), so the token
   * stays out of URLs and the access logs that record them.
   */
  checkResetToken: publicProcedure
    .input(schemas.checkResetTokenInput)
    .output(schemas.checkResetTokenOutput)
    .mutation(async ({ ctx, input }) => ({ valid: await ctx.services.users.checkResetToken(input.token) })),

  verifyEmail: publicProcedure
    .input(schemas.verifyEmailInput)
    .output(schemas.userResultOutput)
    .mutation(async ({ ctx, input }) => ({ user: await ctx.services.users.verifyEmail(input.token) })),

  /**
   * Mails a confirmation link to the new address; the account keeps its address until the
   * link is followed. The same answer whether or not the new address is free.
   */
  requestEmailChange: protectedProcedure
    .input(schemas.requestEmailChangeInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.users.requestEmailChange(ctx.principal, input);
      return { success: true as const };
    }),

  /** Follows the emailed link: the account moves to the new address, verified. */
  confirmEmailChange: publicProcedure
    .input(schemas.confirmEmailChangeInput)
    .output(schemas.userResultOutput)
    .mutation(async ({ ctx, input }) => ({ user: await ctx.services.users.confirmEmailChange(input.token) })),

  /** The caller's own security log, newest first. */
  securityEvents: protectedProcedure
    .input(schemas.securityEventsInput)
    .output(schemas.securityEventsOutput)
    .query(async ({ ctx, input }) => ({
      events: await ctx.services.users.securityEvents(ctx.principal, input.limit),
    })),

  resendVerification: protectedProcedure.output(schemas.successOutput).mutation(async ({ ctx }) => {
    await ctx.services.users.resendVerification(ctx.principal);
    return { success: true as const };
  }),
};
