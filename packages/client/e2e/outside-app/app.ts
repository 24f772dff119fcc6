// A small app of a team outside the monorepo: it only knows the installed @keyway/client.
import {
  createKeywayClient,
  errorCodeOf,
  fieldErrorsOf,
  loginInput,
  memoryTokens,
  type RouterInputs,
  type RouterOutputs,
  type User,
} from '@keyway/client';

const kw = createKeywayClient({
  url: 'http://localhost:3000',
  tokens: memoryTokens(),
  fetch: (input, init) => fetch(input, init),
});

export async function signIn(email: string, password: string): Promise<User | string> {
  const parsed = loginInput.safeParse({ email, password });
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'invalid';
  try {
    const login: RouterOutputs['auth']['login'] = await kw.auth.login.mutate(parsed.data);
    if (!('user' in login)) return 'a second factor is needed';
    const { user } = await kw.users.me.query();
    return login.user.id === user.id ? user : 'someone else';
  } catch (error) {
    const emailErrors: string[] | undefined = fieldErrorsOf<RouterInputs['auth']['login']>(error).email;
    return emailErrors?.[0] ?? errorCodeOf(error) ?? 'network';
  }
}

// A browser app's client: the refresh token in an HttpOnly cookie, the access token in memory.
export const browserClient = createKeywayClient({ url: 'https://api.example.com', session: 'cookie' });
// @ts-expect-error cookie mode keeps no token pair, so it takes no token store
createKeywayClient({ session: 'cookie', tokens: memoryTokens() });

export async function misuses(): Promise<void> {
  // @ts-expect-error a misspelt procedure: the router's types travelled with the package
  await kw.users.mee.query();
  // @ts-expect-error a wrong input field
  await kw.auth.login.mutate({ email: 'a@example.com', passwrd: 'x' });
  const { user } = await kw.users.me.query();
  // @ts-expect-error emailVerified is a boolean
  user.emailVerified.toUpperCase();
}
