import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, type TestCore, testDialects } from '../testing/index.js';

describe.each(await testDialects())('smoke on %s', (dialect) => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ dialect });
  });
  afterAll(() => t.close());

  it('registers, logs in, refreshes, logs out', async () => {
    const s = t.core.forRequest();
    const user = await s.users.register({ email: 'a@example.com', password: 'correct horse battery' });
    expect(user.email).toBe('a@example.com');
    const mail = await t.mailbox.waitFor('a@example.com');
    const login = await t.core.forRequest().auth.login({ email: 'a@example.com', password: 'correct horse battery' });
    const principal = await t.core.forRequest().auth.authenticate(login.accessToken);
    expect(principal.userId).toBe(user.id);
    const pair = await t.core.forRequest().auth.refresh(login.refreshToken);
    await expect(t.core.forRequest().auth.refresh(login.refreshToken)).rejects.toThrow(/already been used/);
    await expect(t.core.forRequest().auth.refresh(pair.refreshToken)).rejects.toThrow();
    const verified = await t.core.forRequest().users.verifyEmail(t.mailbox.tokenFrom(mail));
    expect(verified.emailVerified).toBe(true);
  });
});
