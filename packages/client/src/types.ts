/** Input and output types of every procedure, inferred from the router (a type-only import). */
import type { AppRouter } from '@keyway/api';
import type { inferRouterInputs, inferRouterOutputs, TRPC_ERROR_CODE_KEY } from '@trpc/server';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** A user as every procedure returns it: ISO-8601 dates, never a password hash. */
export type User = RouterOutputs['users']['me']['user'];
/** tRPC's error codes: `UNAUTHORIZED`, `BAD_REQUEST`, `TOO_MANY_REQUESTS`, ... */
export type KeywayErrorCode = TRPC_ERROR_CODE_KEY;
