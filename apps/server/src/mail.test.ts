/**
 * Mail over HTTP: registration and reset requests made through
 * the API deliver real mail to an SMTP server, `file:<dir>` writes one .eml per message,
 * a failing mail server never fails the request that caused the mail, and a hung one never
 * holds up a graceful stop.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOrm } from '@keyway/auth-core';
import { createTestDatabase } from '@keyway/auth-core/testing';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureLogs, dataOf, password, startTestServer, type TestServer } from './testing.js';

const appUrl = 'https://app.example.com';

describe('mail through SMTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { APP_URL: appUrl, MAIL_FROM: 'Keyway Tests <auth@example.com>' } });
  });
  afterAll(() => t.stop());

  it('registration sends a verification email whose link verifies the address', async () => {
    const { user } = await t.register('verify.me@example.com');
    const mail = await t.mailbox.waitFor('verify.me@example.com');
    expect(mail.from).toBe('auth@example.com');
    expect(mail.subject).toMatch(/confirm|verify/i);
    expect(mail.text).toContain(`${appUrl}/verify-email?token=`);
    expect(mail.html).toContain(`${appUrl}/verify-email?token=`);

    const token = t.mailbox.tokenFrom(mail);
    const verified = await t.mutationData('users.verifyEmail', { token });
    expect(verified.user).toMatchObject({ id: user.id, emailVerified: true });
    expect((await t.mutation('users.verifyEmail', { token })).status).toBe(400);
  });

  it('a reset request mails a link that resets the password', async () => {
    await t.register('reset.me@example.com');
    expect(await t.mutationData('users.requestPasswordReset', { email: 'Reset.Me@example.com' })).toEqual({
      success: true,
    });
    const mail = await t.mailbox.waitFor('reset.me@example.com', { subject: /reset/i });
    expect(mail.text).toContain(`${appUrl}/reset-password?token=`);
    const newPassword = 'another-Long-passphrase-43';
    await t.mutationData('users.resetPassword', { token: t.mailbox.tokenFrom(mail), newPassword });
    expect((await t.mutation('auth.login', { email: 'reset.me@example.com', password })).status).toBe(401);
    expect((await t.mutation('auth.login', { email: 'reset.me@example.com', password: newPassword })).status).toBe(200);
  });

  it('sends nothing for an unknown address, and answers alike', async () => {
    const reply = await t.mutation('users.requestPasswordReset', { email: 'stranger@example.com' });
    expect(dataOf(reply)).toEqual({ success: true });
    await t.server.core.idle();
    expect(t.mailbox.messages.filter((mail) => mail.to === 'stranger@example.com')).toEqual([]);
  });
});

describe('MAIL_TRANSPORT=file:<dir>', () => {
  let folder: string;
  let t: TestServer;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'keyway-mail-'));
    t = await startTestServer({ env: { MAIL_TRANSPORT: `file:${join(folder, 'outbox')}`, APP_URL: appUrl } });
  });
  afterAll(async () => {
    await t.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes one RFC 822 .eml file per message', async () => {
    await t.register('file.one@example.com');
    await t.register('file.two@example.com');
    await t.mutation('users.requestPasswordReset', { email: 'file.one@example.com' });
    await t.server.core.idle();

    const names = readdirSync(join(folder, 'outbox'));
    expect(names).toHaveLength(3);
    expect(names.every((name) => name.endsWith('.eml'))).toBe(true);
    const mails = await Promise.all(names.map((name) => simpleParser(readFileSync(join(folder, 'outbox', name)))));
    const summary = mails
      .map((mail) => ({
        to: mail.to && !Array.isArray(mail.to) ? mail.to.text : '',
        link: /\/(verify-email|reset-password)\?token=/.exec(mail.text ?? '')?.[1],
        html: typeof mail.html === 'string' && mail.html.includes(`${appUrl}/`),
      }))
      .sort((a, b) => `${a.to}${a.link}`.localeCompare(`${b.to}${b.link}`));
    expect(summary).toEqual([
      { to: 'file.one@example.com', link: 'reset-password', html: true },
      { to: 'file.one@example.com', link: 'verify-email', html: true },
      { to: 'file.two@example.com', link: 'verify-email', html: true },
    ]);
    // Nothing went to the SMTP mailbox the test server also has.
    expect(t.mailbox.messages).toEqual([]);
  });
});

describe('when the mail server refuses every message', () => {
  let t: TestServer;
  const log = captureLogs();
  beforeAll(async () => {
    t = await startTestServer({ logger: log.logger });
  });
  afterEach(() => t.mailbox.setRejecting(false));
  afterAll(() => t.stop());

  it('registration and reset requests still succeed, the failure is logged and retried, and resend works at once', async () => {
    t.mailbox.setRejecting(true);
    const { accessToken, user } = await t.registerAndLogin('unlucky@example.com');
    expect(user.emailVerified).toBe(false);
    expect(await t.mutationData('users.requestPasswordReset', { email: 'unlucky@example.com' })).toEqual({
      success: true,
    });
    // The first attempt of both has failed by now; each waits in the outbox for its retry.
    await t.server.core.idle();
    expect(t.mailbox.messages).toEqual([]);
    const failures = log.lines.filter((line) => line.level === 40 && /Mail attempt failed/.test(String(line.msg)));
    expect(failures).toHaveLength(2);
    expect(await t.server.core.mailDepth()).toEqual({ pending: 2, failed: 0 });

    t.mailbox.setRejecting(false);
    await t.mutationData('users.resendVerification', undefined, { token: accessToken });
    const mail = await t.mailbox.waitFor('unlucky@example.com');
    await t.mutationData('users.verifyEmail', { token: t.mailbox.tokenFrom(mail) });
    const me = await t.queryData('users.me', undefined, { token: accessToken });
    expect(me.user.emailVerified).toBe(true);
    // The account works throughout.
    expect((await t.login('unlucky@example.com')).user.id).toBe(user.id);
  });
});

describe('a graceful stop while a mail server hangs', () => {
  it('does not wait for the send: the message stays queued for the next instance', async () => {
    // Accepts connections and never says a word (a mail server that hung).
    const held = new Set<Socket>();
    const silent = createNetServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const database = await createTestDatabase('sqlite', { file: true });
    const t = await startTestServer({
      database,
      env: { MAIL_TRANSPORT: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}` },
    });
    try {
      await t.register('patient@example.com');
      await vi.waitFor(() => expect(held.size).toBe(1), { timeout: 10_000 });

      await t.server.stop();
      // The send is still in flight (its connection open) when the stop is over.
      expect([...held].every((socket) => !socket.destroyed)).toBe(true);
      const orm = await openOrm({ databaseUrl: database.url });
      const rows = await orm.em
        .fork()
        .getConnection()
        .execute<{ recipient: string; sent_at: unknown }[]>('select recipient, sent_at from outbox_message');
      await orm.close(true);
      expect(rows).toEqual([{ recipient: 'patient@example.com', sent_at: null }]);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
      await t.mailbox.close();
      await database.drop();
    }
  });
});
