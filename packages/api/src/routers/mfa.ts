import * as schemas from '../schemas/index.js';
import { protectedProcedure } from '../trpc.js';

/** The second factor (TOTP) of the signed-in user; signing in with it is `auth.verifyMfa`. */
export const mfaRouter = {
  setup: protectedProcedure
    .input(schemas.mfaSetupInput)
    .output(schemas.mfaSetupOutput)
    .mutation(({ ctx, input }) => ctx.services.mfa.setup(ctx.principal, input)),

  enable: protectedProcedure
    .input(schemas.mfaEnableInput)
    .output(schemas.mfaEnableOutput)
    .mutation(({ ctx, input }) => ctx.services.mfa.enable(ctx.principal, input)),

  disable: protectedProcedure
    .input(schemas.mfaDisableInput)
    .output(schemas.successOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.mfa.disable(ctx.principal, input);
      return { success: true as const };
    }),
};
