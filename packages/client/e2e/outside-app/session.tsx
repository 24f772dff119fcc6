// The React side of the outside app: the provider and the session hook from @keyway/client/react.
import { createKeywayClient } from '@keyway/client';
import { KeywayProvider, useKeywayClient, useSession } from '@keyway/client/react';
import type { ReactNode } from 'react';

function Greeting(): ReactNode {
  const { status, user } = useSession();
  const kw = useKeywayClient();
  if (status === 'loading') return <p>Loading…</p>;
  if (status === 'signed-out' || !user) {
    return (
      <button type="button" onClick={() => void kw.auth.logoutAll.mutate()}>
        Log in
      </button>
    );
  }
  // @ts-expect-error the status is one of three names
  if (status === 'signed_in') return null;
  return <p>Signed in as {user.email}</p>;
}

export function Root(): ReactNode {
  return (
    <KeywayProvider client={createKeywayClient({ url: 'http://localhost:3000' })}>
      <Greeting />
    </KeywayProvider>
  );
}
