/**
 * The React bindings rendered by react-dom into a happy-dom document, against a real server.
 * Node's own fetch and BroadcastChannel carry the calls (happy-dom only provides the DOM).
 */
import { randomUUID } from 'node:crypto';
import { Window } from 'happy-dom';
import { createElement, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeywayClient as createClient, type KeywayClient, type KeywayClientOptions } from './client.js';
import { KeywayProvider, useKeywayClient, useSession } from './react.js';
import type { SessionState } from './session-state.js';
import { MapStorage } from './testing/map-storage.js';
import { password, startFileServer } from './testing/server.js';
import { localStorageTokens } from './token-store.js';

const { clock, server } = await startFileServer();
const window = new Window({ url: 'http://localhost/' });
const mounted: Root[] = [];
// tRPC prefers `window.fetch` when there is a window: these clients use Node's.
const nodeFetch = globalThis.fetch;
const createKeywayClient = (options: KeywayClientOptions) => createClient({ fetch: nodeFetch, ...options });

beforeAll(() => {
  Object.assign(globalThis, { window, document: window.document });
});
afterEach(() => {
  for (const root of mounted.splice(0)) root.unmount();
});
afterAll(async () => {
  await window.happyDOM.close();
});

function SessionProbe({ rendered }: { rendered: SessionState[] }) {
  rendered.push(useSession());
  return null;
}

function ClientProbe({ onClient }: { onClient: (client: KeywayClient) => void }) {
  onClient(useKeywayClient());
  return null;
}

function mount(element: ReturnType<typeof createElement>, options?: Parameters<typeof createRoot>[1]) {
  const root = createRoot(window.document.createElement('div') as unknown as Element, options);
  mounted.push(root);
  root.render(element);
}

/** Renders `useSession()` under a provider; returns every state it rendered and the latest. */
function renderSession(client: KeywayClient) {
  const rendered: SessionState[] = [];
  mount(
    createElement(
      StrictMode,
      null,
      createElement(KeywayProvider, { client }, createElement(SessionProbe, { rendered })),
    ),
  );
  return {
    rendered,
    latest: () => rendered.at(-1),
    /** Waits until the rendered session has this status (and user email, if given). */
    async toShow(status: SessionState['status'], email?: string) {
      await vi.waitFor(
        () => {
          expect(rendered.at(-1)?.status).toBe(status);
          if (email) expect(rendered.at(-1)?.user?.email).toBe(email);
        },
        { timeout: 10_000, interval: 10 },
      );
    },
  };
}

async function registeredEmail() {
  const email = `react-${randomUUID()}@example.com`;
  await createKeywayClient({ url: server.url }).users.register.mutate({ email, password });
  return email;
}

/** A new account signed in through a client, its session rendered and shown signed-in. */
async function signedInView() {
  const email = await registeredEmail();
  const client = createKeywayClient({ url: server.url });
  await client.auth.login.mutate({ email, password });
  const view = renderSession(client);
  await view.toShow('signed-in', email);
  return { email, client, view };
}

/** Another device signs in as `email` and ends every session of the account. */
async function logOutEverywhereFromAnotherDevice(email: string) {
  const otherDevice = createKeywayClient({ url: server.url });
  await otherDevice.auth.login.mutate({ email, password });
  await otherDevice.auth.logoutAll.mutate();
}

describe('useSession()', () => {
  it('is signed-out at once for a client with no session, without asking the server', async () => {
    let calls = 0;
    const client = createKeywayClient({
      url: server.url,
      fetch: (input, init) => {
        calls += 1;
        return nodeFetch(input, init);
      },
    });
    const view = renderSession(client);

    await view.toShow('signed-out');
    expect(view.rendered.every((state) => state.status === 'signed-out' && state.user === null)).toBe(true);
    expect(calls).toBe(0);
  });

  it('is loading, then signed-in with the user, for a stored session (a reload)', async () => {
    const email = await registeredEmail();
    const storage = new MapStorage();
    await createKeywayClient({ url: server.url, tokens: localStorageTokens({ storage }) }).auth.login.mutate({
      email,
      password,
    });

    const view = renderSession(createKeywayClient({ url: server.url, tokens: localStorageTokens({ storage }) }));

    await view.toShow('signed-in', email);
    expect(view.rendered[0]).toEqual({ status: 'loading', user: null });
  });

  it('follows a log-in, a change to the user and a log-out made through the client', async () => {
    const email = await registeredEmail();
    const client = createKeywayClient({ url: server.url });
    const view = renderSession(client);
    await view.toShow('signed-out');

    await client.auth.login.mutate({ email: email.toUpperCase(), password });
    await view.toShow('signed-in', email);
    expect(view.latest()?.user?.emailVerified).toBe(false);

    // A verification mailed link, followed in this app: the user it answers shows at once.
    const mail = await server.mailbox.waitFor(email, { subject: /confirm/i });
    const token = /token=([\w-]+)/.exec(mail.text)?.[1] ?? '';
    await client.users.verifyEmail.mutate({ token });
    await vi.waitFor(() => expect(view.latest()?.user?.emailVerified).toBe(true));

    await client.auth.logout.mutate({});
    await view.toShow('signed-out');
    expect(view.latest()?.user).toBeNull();
  });

  it('shows the new address of an email change confirmed here, and ignores another account’s link', async () => {
    const { email, client, view } = await signedInView();

    // Another account's verification link, followed in this signed-in app: still this user.
    const other = await registeredEmail();
    const otherMail = await server.mailbox.waitFor(other, { subject: /confirm/i });
    await client.users.verifyEmail.mutate({ token: server.mailbox.tokenFrom(otherMail) });
    expect(view.latest()?.user?.email).toBe(email);

    const newEmail = `moved-${email}`;
    await client.users.requestEmailChange.mutate({ newEmail, password });
    const link = await server.mailbox.waitFor(newEmail, { subject: /new email/i });
    await client.users.confirmEmailChange.mutate({ token: server.mailbox.tokenFrom(link) });
    await view.toShow('signed-in', newEmail);
    expect(view.latest()?.user?.emailVerified).toBe(true);
  });

  it('turns signed-out when the server refuses the session (revoked from another device)', async () => {
    const { email, view } = await signedInView();

    await logOutEverywhereFromAnotherDevice(email);
    // The user comes back to the tab: the provider asks the server again.
    window.document.dispatchEvent(new window.Event('visibilitychange'));

    await view.toShow('signed-out');
  });

  it('turns signed-out when a call finds the refresh token refused', async () => {
    const { email, client, view } = await signedInView();
    await logOutEverywhereFromAnotherDevice(email);

    await expect(client.users.me.query()).rejects.toThrow();

    await view.toShow('signed-out');
  });

  it('stays signed-in through an access token refresh', async () => {
    const { client, view } = await signedInView();
    const signedInAt = view.rendered.length;
    clock.advance((server.config.accessTokenTtlSeconds + 1) * 1000);

    await client.users.me.query();

    expect(view.rendered.slice(signedInAt - 1).map((state) => state.status)).not.toContain('signed-out');
    expect(view.rendered.slice(signedInAt - 1).map((state) => state.status)).not.toContain('loading');
    expect(view.latest()?.status).toBe('signed-in');
  });
});

describe('useKeywayClient()', () => {
  it('gives the provided client, and says what is missing without a provider', async () => {
    const client = createKeywayClient({ url: server.url });
    let seen: KeywayClient | undefined;
    const onClient = (given: KeywayClient) => {
      seen = given;
    };
    mount(createElement(KeywayProvider, { client }, createElement(ClientProbe, { onClient })));
    await vi.waitFor(() => expect(seen).toBe(client));

    const errors: unknown[] = [];
    mount(createElement(ClientProbe, { onClient }), { onUncaughtError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(String(errors[0])).toMatch(/KeywayProvider/));
  });
});
