/**
 * Type-level tests (checked by `tsc --noEmit`): the client-facing `AppRouter` type describes
 * exactly the procedures of the running router, so the client can never drift from it.
 */
import type { inferRouterError, inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppRouter, appRouter } from './router.js';

type ServerRouter = typeof appRouter;

describe('AppRouter, the type clients import', () => {
  it('has the inputs, outputs and error shape of the running router', () => {
    expectTypeOf<inferRouterInputs<AppRouter>>().toEqualTypeOf<inferRouterInputs<ServerRouter>>();
    expectTypeOf<inferRouterOutputs<AppRouter>>().toEqualTypeOf<inferRouterOutputs<ServerRouter>>();
    expectTypeOf<inferRouterError<AppRouter>>().toEqualTypeOf<inferRouterError<ServerRouter>>();
    expectTypeOf<AppRouter['_def']['record']>().toEqualTypeOf<ServerRouter['_def']['record']>();
    expectTypeOf<AppRouter['_def']['_config']['$types']['transformer']>().toEqualTypeOf<
      ServerRouter['_def']['_config']['$types']['transformer']
    >();
  });

  it('leaves the server context out of it', () => {
    expectTypeOf<AppRouter['_def']['_config']['$types']['ctx']>().toEqualTypeOf<object>();
    // @ts-expect-error the server's context is not part of what a client sees
    expectTypeOf<AppRouter['_def']['_config']['$types']['ctx']>().toHaveProperty('core');
  });
});
