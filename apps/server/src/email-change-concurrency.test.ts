/**
 * Confirming an email change while other writes run, over real HTTP: on a SQLite file (WAL,
 * several connections, so a transaction that began with a read could not take the write
 * lock after another connection wrote) and on PostgreSQL. Two confirmations of one link
 * answer one success and one 400, and a confirmation beside other accounts' writes succeeds:
 * never a 500.
 */
import { createTestDatabase, type TestDatabase, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  mutation,
  mutationData,
  password,
  registerAndLogin,
  startTestServer,
  type TestServer,
} from './testing.js';

describe.each(await testDialects())('confirming an email change beside other writes on %s', (dialect) => {
  let database: TestDatabase;
  let t: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, { file: true });
    t = await startTestServer({ database });
  });
  afterAll(async () => {
    await t.stop();
    await database.drop();
  });

  const address = (name: string) => `${name}-${dialect}@example.com`;

  /** A signed-up account that asked to move to `newEmail`, and the mailed link's token. */
  async function pendingChange(name: string): Promise<string> {
    const newEmail = address(`${name}-new`);
    const { accessToken } = await registerAndLogin(t.url, address(name));
    const request = { newEmail, password };
    await mutationData(t.url, 'users.requestEmailChange', request, { token: accessToken });
    return t.mailbox.tokenFrom(await t.mailbox.waitFor(newEmail, { subject: /new email address/i }));
  }

  it('answers one of two concurrent confirmations of one link, the other 400', async () => {
    for (let round = 0; round < 4; round++) {
      const token = await pendingChange(`twice-${round}`);
      const replies = await Promise.all([0, 1].map(() => mutation(t.url, 'users.confirmEmailChange', { token })));
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, 400]);
    }
  });

  it('confirms while other accounts sign in and register', async () => {
    const others = await Promise.all([0, 1, 2].map((i) => registerAndLogin(t.url, address(`busy-${i}`))));
    for (let round = 0; round < 4; round++) {
      const token = await pendingChange(`beside-${round}`);
      const [confirmed, ...rest] = await Promise.all([
        mutation(t.url, 'users.confirmEmailChange', { token }),
        ...others.map((other) => mutation(t.url, 'auth.login', { email: other.user.email, password })),
        mutation(t.url, 'users.register', { email: address(`late-${round}`), password }),
      ]);
      expect(confirmed?.status).toBe(200);
      expect(rest.map((reply) => reply.status)).toEqual([200, 200, 200, 200]);
    }
    await login(t.url, address('beside-0-new'));
  });
});
