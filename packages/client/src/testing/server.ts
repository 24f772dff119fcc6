/**
 * The real server the client's tests talk to: one per test file, on a manual clock the
 * tests move (to expire access tokens), stopped after the file's tests.
 */
import { createManualClock } from '@keyway/auth-core';
import { startTestServer, type TestServer } from '@keyway/server/testing';
import { afterAll } from 'vitest';

/** The password of every account the client's tests register. */
export const password = 'correct horse battery staple 42';

/** Starts the file's server now (call it at the top level of a test file) and stops it after its tests. */
export async function startFileServer(): Promise<{
  clock: ReturnType<typeof createManualClock>;
  server: TestServer;
}> {
  const clock = createManualClock(new Date());
  const server = await startTestServer({ clock });
  afterAll(() => server.stop());
  return { clock, server };
}
