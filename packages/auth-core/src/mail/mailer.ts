/**
 * The mail port and its transports, chosen by `MAIL_TRANSPORT`:
 * - `console`: the message (link included) goes to the log — the development default;
 * - `file:<dir>`: one RFC 822 `.eml` file per message, written by nodemailer's stream transport;
 * - `smtp://…` / `smtps://…`: delivered through nodemailer's SMTP transport.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailSender {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Returns why the transport setting is unusable, or null when it is fine. */
export function checkMailTransport(transport: string): string | null {
  if (transport === 'console') return null;
  if (transport.startsWith('file:')) return transport.length > 'file:'.length ? null : 'file: needs a directory';
  if (/^smtps?:\/\/[^/]+/.test(transport)) {
    try {
      new URL(transport);
      return null;
    } catch {
      return 'is not a valid URL';
    }
  }
  return 'must be console, file:<dir>, or an smtp:// or smtps:// URL';
}

export function createMailSender(options: { transport: string; from: string; logger: Logger }): MailSender {
  const { transport, from, logger } = options;
  const problem = checkMailTransport(transport);
  if (problem) throw new Error(`MAIL_TRANSPORT ${problem}`);

  if (transport === 'console') {
    return {
      async send(message) {
        logger.info({ mail: { from, ...message, html: undefined } }, `Mail to ${message.to}: ${message.subject}`);
      },
      close() {},
    };
  }

  if (transport.startsWith('file:')) {
    const directory = transport.slice('file:'.length);
    const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    let sequence = 0;
    return {
      async send(message) {
        const info = await stream.sendMail({ from, ...message });
        await mkdir(directory, { recursive: true });
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++sequence}.eml`;
        await writeFile(join(directory, name), info.message as Buffer);
      },
      close: () => stream.close(),
    };
  }

  // Bounded well inside the outbox's claim lease (two minutes), so a stalled server cannot
  // hold a message past its lease and have another instance send it a second time.
  const smtp = nodemailer.createTransport({
    url: transport,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(message) {
      await smtp.sendMail({ from, ...message });
    },
    close: () => smtp.close(),
  };
}
