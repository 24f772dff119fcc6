import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { createTestMailbox, type TestMailbox } from '../testing/mailbox.js';
import { checkMailTransport, createMailSender, type MailMessage } from './mailer.js';
import { passwordResetEmail } from './templates.js';

const from = 'Keyway <no-reply@keyway.test>';
const message: MailMessage = passwordResetEmail({
  to: 'ada@example.com',
  appUrl: 'http://localhost:5173',
  token: 'the-token-0123456789',
  ttlSeconds: 3600,
});

function recordingLogger() {
  const entries: { level: string; object: object; message?: string }[] = [];
  const record = (level: string) => (object: object, text?: string) => entries.push({ level, object, message: text });
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  return { logger, entries };
}

describe('checkMailTransport', () => {
  it.each([
    'console',
    'file:./mail',
    'file:/var/mail/keyway',
    'smtp://localhost:25',
    'smtps://user:pass@mail.example.com:465',
  ])('accepts %j', (transport) => {
    expect(checkMailTransport(transport)).toBeNull();
  });

  it.each([
    ['file:', 'file: needs a directory'],
    ['smtp://', 'must be console, file:<dir>, or an smtp:// or smtps:// URL'],
    ['smtp://bad host name', 'is not a valid URL'],
    ['http://mail.example.com', 'must be console, file:<dir>, or an smtp:// or smtps:// URL'],
    ['sendmail', 'must be console, file:<dir>, or an smtp:// or smtps:// URL'],
  ])('refuses %j: %s', (transport, reason) => {
    expect(checkMailTransport(transport)).toBe(reason);
  });

  it('is what createMailSender enforces', () => {
    expect(() => createMailSender({ transport: 'sendmail', from, logger: recordingLogger().logger })).toThrow(
      /^MAIL_TRANSPORT must be/,
    );
  });
});

describe('the console transport', () => {
  it('logs the message with its link, so a developer can follow it', async () => {
    const { logger, entries } = recordingLogger();
    const sender = createMailSender({ transport: 'console', from, logger });
    await sender.send(message);
    sender.close();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.level).toBe('info');
    expect(entries[0]?.message).toBe('Mail to ada@example.com: Reset your password');
    expect(JSON.stringify(entries[0]?.object)).toContain('reset-password?token=the-token-0123456789');
  });
});

describe('the file transport', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'keyway-mail-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('writes one RFC 822 .eml file per message, creating the folder, that a mail parser reads back', async () => {
    const folder = join(directory, 'nested', 'outbox');
    const sender = createMailSender({ transport: `file:${folder}`, from, logger: recordingLogger().logger });
    await sender.send(message);
    await sender.send({ ...message, to: 'grace@example.com' });
    sender.close();

    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    expect(files.every((file) => file.endsWith('.eml'))).toBe(true);

    const parsed = await Promise.all(files.map((file) => simpleParser(readFileSync(join(folder, file)))));
    expect(parsed.map((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text).sort()).toEqual([
      'ada@example.com',
      'grace@example.com',
    ]);
    const first = parsed[0];
    expect(first?.from?.value).toEqual([{ name: 'Keyway', address: 'no-reply@keyway.test' }]);
    expect(first?.subject).toBe('Reset your password');
    expect(first?.text).toContain('http://localhost:5173/reset-password?token=the-token-0123456789');
    expect(first?.html).toContain('href="http://localhost:5173/reset-password?token=the-token-0123456789"');
  });
});

describe('the SMTP transport', () => {
  let mailbox: TestMailbox;
  beforeAll(async () => {
    mailbox = await createTestMailbox();
  });
  afterAll(() => mailbox.close());

  it('delivers the message, text and HTML parts, to a real SMTP server', async () => {
    const sender = createMailSender({ transport: mailbox.url, from, logger: recordingLogger().logger });
    await sender.send(message);
    sender.close();
    const received = await mailbox.waitFor('ada@example.com');
    expect(received).toMatchObject({ from: 'no-reply@keyway.test', subject: 'Reset your password' });
    expect(mailbox.tokenFrom(received)).toBe('the-token-0123456789');
    expect(received.html).toContain('reset-password?token=the-token-0123456789');
  });

  it('rejects when the server refuses the message, so the caller can retry', async () => {
    const sender = createMailSender({ transport: mailbox.url, from, logger: recordingLogger().logger });
    mailbox.setRejecting(true);
    try {
      await expect(sender.send({ ...message, to: 'refused@example.com' })).rejects.toThrow(/Mailbox unavailable/);
    } finally {
      mailbox.setRejecting(false);
      sender.close();
    }
  });
});
