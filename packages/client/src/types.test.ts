/**
 * Type-level tests: they run as no-ops under vitest; `tsc --noEmit` (pnpm typecheck) is what
 * checks them, including that every `@ts-expect-error` below really is an error.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { createKeywayClient, type KeywayClient } from './client.js';
import { type FieldErrors, fieldErrorsOf } from './errors.js';
import { memoryTokens } from './token-store.js';
import type { RouterInputs, RouterOutputs, User } from './types.js';

// Built, never called: no request leaves these tests.
const kw: KeywayClient = createKeywayClient({ url: 'http://127.0.0.1:9' });

describe('the typed client', () => {
  it('types inputs and outputs of correct calls', () => {
    expectTypeOf(kw.auth.login.mutate).parameter(0).toEqualTypeOf<{ email: string; password: string }>();
    // The refresh token is left out of the answer in cookie mode (it is in the HttpOnly cookie).
    type SignedIn = { accessToken: string; refreshToken?: string; tokenType: 'Bearer'; expiresIn: number; user: User };
    // A login answers the pair, or, for an account with MFA on, a token for the second step.
    expectTypeOf(kw.auth.login.mutate).returns.resolves.toEqualTypeOf<
      SignedIn | { mfaRequired: true; mfaToken: string }
    >();
    expectTypeOf(kw.auth.verifyMfa.mutate).parameter(0).toEqualTypeOf<{ mfaToken: string; code: string }>();
    expectTypeOf(kw.auth.verifyMfa.mutate).returns.resolves.toEqualTypeOf<SignedIn>();
    expectTypeOf(kw.mfa.setup.mutate).returns.resolves.toEqualTypeOf<{ secret: string; otpauthUrl: string }>();
    expectTypeOf(kw.users.me.query).returns.resolves.toEqualTypeOf<{ user: User }>();
    expectTypeOf(kw.auth.logout.mutate).toBeCallableWith({});
    expectTypeOf(kw.auth.logout.mutate).toBeCallableWith({ refreshToken: 'token' });
    expectTypeOf(kw.auth.logoutAll.mutate).toBeCallableWith();
    expectTypeOf(kw.users.resetPassword.mutate).parameter(0).toEqualTypeOf<{ token: string; newPassword: string }>();
  });

  it('exports RouterInputs and RouterOutputs of every procedure', () => {
    expectTypeOf<RouterInputs['users']['changePassword']>().toEqualTypeOf<{
      currentPassword: string;
      newPassword: string;
    }>();
    expectTypeOf<RouterOutputs['users']['verifyEmail']>().toEqualTypeOf<{ user: User }>();
    expectTypeOf<RouterInputs['users']['requestEmailChange']>().toEqualTypeOf<{ newEmail: string; password: string }>();
    expectTypeOf<RouterOutputs['users']['requestEmailChange']>().toEqualTypeOf<{ success: true }>();
    expectTypeOf<RouterInputs['users']['confirmEmailChange']>().toEqualTypeOf<{ token: string }>();
    expectTypeOf<RouterOutputs['users']['confirmEmailChange']>().toEqualTypeOf<{ user: User }>();
    expectTypeOf<RouterOutputs['auth']['logoutAll']>().toEqualTypeOf<{ success: true }>();
    expectTypeOf<User>().toEqualTypeOf<{
      id: string;
      email: string;
      emailVerified: boolean;
      mfaEnabled: boolean;
      createdAt: string;
      updatedAt: string;
    }>();
  });

  it('rejects a misspelt procedure, a wrong input and a wrong use of an output', () => {
    const misuses = async () => {
      // @ts-expect-error a misspelt procedure
      await kw.users.mee.query();
      // @ts-expect-error a misspelt router
      await kw.user.me.query();
      // @ts-expect-error a mutation is not a query
      await kw.auth.login.query({ email: 'a@example.com', password: 'x' });
      // @ts-expect-error a wrong input field
      await kw.auth.login.mutate({ email: 'a@example.com', passwrd: 'x' });
      // @ts-expect-error a missing input field
      await kw.users.register.mutate({ email: 'a@example.com' });
      // @ts-expect-error a wrongly typed input field
      await kw.users.verifyEmail.mutate({ token: 42 });

      const { user } = await kw.users.me.query();
      // @ts-expect-error emailVerified is a boolean, not a string
      user.emailVerified.toUpperCase();
      // @ts-expect-error dates arrive as ISO-8601 strings, not Date objects
      user.createdAt.getTime();
      // @ts-expect-error a user never carries a password hash
      void user.passwordHash;
      // @ts-expect-error logout answers { success }, not a token pair
      void (await kw.auth.logout.mutate({})).accessToken;
    };
    expectTypeOf(misuses).toBeFunction();
  });

  it('takes a token store in bearer mode only', () => {
    expectTypeOf(createKeywayClient).toBeCallableWith({ url: 'http://127.0.0.1:9', session: 'cookie' });
    expectTypeOf(createKeywayClient).toBeCallableWith({ tokens: memoryTokens() });
    expectTypeOf(createKeywayClient).toBeCallableWith({ session: 'bearer', tokens: memoryTokens() });
    const misuses = () => {
      // @ts-expect-error cookie mode keeps no token pair
      createKeywayClient({ session: 'cookie', tokens: memoryTokens() });
      // @ts-expect-error an unknown mode
      createKeywayClient({ session: 'local' });
    };
    expectTypeOf(misuses).toBeFunction();
  });

  it('keys field errors by the fields of the input they belong to', () => {
    expectTypeOf(fieldErrorsOf<RouterInputs['auth']['login']>).returns.toEqualTypeOf<
      FieldErrors<RouterInputs['auth']['login']>
    >();
    const errors = fieldErrorsOf<RouterInputs['auth']['login']>(new Error('x'));
    expectTypeOf(errors.email).toEqualTypeOf<string[] | undefined>();
    // @ts-expect-error not a field of the login input
    void errors.newPassword;
  });
});
