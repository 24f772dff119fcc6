/**
 * Mail throttled per address over real HTTP: resending a verification link, asking for a
 * password reset and registering a taken address (REGISTER_ENUMERATION_SAFE, which mails its
 * owner) send at most MAIL_ACCOUNT_LIMIT messages to one address; past it the answer is
 * unchanged and nothing is sent. Email-change requests to someone's address use none of that
 * address's own mail. (Email-change links: email-change.test.ts.)
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, type Outputs, password, type SignedIn, startTestServer, type TestServer, unique } from './testing.js';

describe.each(await testDialects())('mail throttled per address on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { MAIL_ACCOUNT_LIMIT: '3/1h', REGISTER_ENUMERATION_SAFE: 'true' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const mailTo = (email: string, subject: RegExp) =>
    server.mailbox.messages.filter((message) => message.to === email && subject.test(message.subject));

  it('sends at most 3 verification resends to one address; later calls answer the same and send nothing', async () => {
    const email = `${unique('flood')}@example.com`;
    expect((await server.mutation('users.register', { email, password })).status).toBe(200);
    const login = await server.mutation('auth.login', { email, password });
    const token = dataOf<SignedIn>(login).accessToken;
    for (let i = 0; i < 8; i += 1) {
      const answer = await server.mutation('users.resendVerification', {}, { token });
      expect(answer.status).toBe(200);
      expect(dataOf(answer)).toEqual({ success: true });
    }
    await server.server.core.idle();
    // The registration's own mail, then three resends.
    expect(mailTo(email, /confirm your email/i)).toHaveLength(4);
  });

  it('sends at most 3 reset links to one address, known or not, and answers {success:true} every time', async () => {
    const known = `${unique('reset')}@example.com`;
    expect((await server.mutation('users.register', { email: known, password: password })).status).toBe(200);
    for (let i = 0; i < 6; i += 1) {
      const answer = await server.mutation('users.requestPasswordReset', {
        email: i % 2 ? known.toUpperCase() : known,
      });
      expect(answer.status).toBe(200);
      expect(dataOf(answer)).toEqual({ success: true });
    }
    await server.server.core.idle();
    expect(mailTo(known, /reset/i)).toHaveLength(3);
    // Another address has its own count.
    const other = `${unique('reset')}@example.com`;
    await server.mutation('users.register', { email: other, password: password });
    expect((await server.mutation('users.requestPasswordReset', { email: other })).status).toBe(200);
    await server.server.core.idle();
    expect(mailTo(other, /reset/i)).toHaveLength(1);
  });

  it("leaves an address's reset and verification mail alone when others ask to move their accounts to it", async () => {
    const victim = `${unique('victim')}@example.com`;
    expect((await server.mutation('users.register', { email: victim, password })).status).toBe(200);
    const victimToken = dataOf<SignedIn>(await server.mutation('auth.login', { email: victim, password })).accessToken;
    const attacker = `${unique('attacker')}@example.com`;
    expect((await server.mutation('users.register', { email: attacker, password })).status).toBe(200);
    const token = dataOf<SignedIn>(await server.mutation('auth.login', { email: attacker, password })).accessToken;
    for (let i = 0; i < 4; i += 1) {
      const answer = await server.mutation('users.requestEmailChange', { newEmail: victim, password }, { token });
      expect(dataOf(answer)).toEqual({ success: true });
    }
    expect((await server.mutation('users.requestPasswordReset', { email: victim })).status).toBe(200);
    expect((await server.mutation('users.resendVerification', {}, { token: victimToken })).status).toBe(200);
    await server.server.core.idle();
    expect(mailTo(victim, /reset/i)).toHaveLength(1);
    expect(mailTo(victim, /confirm your email/i)).toHaveLength(2);
  });

  it('tells the owner of a taken address at most 3 times, however often it is registered again', async () => {
    const owner = `${unique('owner')}@example.com`;
    expect((await server.mutation('users.register', { email: owner, password })).status).toBe(200);
    for (let i = 0; i < 5; i += 1) {
      const answer = await server.mutation('users.register', { email: owner, password });
      expect(answer.status).toBe(200);
      expect(dataOf<Outputs['users']['register']>(answer).user.email).toBe(owner);
    }
    await server.server.core.idle();
    expect(mailTo(owner, /tried to create an account/i)).toHaveLength(3);
  });
});
