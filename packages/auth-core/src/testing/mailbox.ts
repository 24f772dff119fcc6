/**
 * A real SMTP server in-process (smtp-server), whose received mail is parsed with
 * mailparser, so tests check what really went over the wire.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  from: string;
}

export interface TestMailbox {
  /** `smtp://127.0.0.1:<port>`, for MAIL_TRANSPORT. */
  url: string;
  messages: ReceivedMail[];
  /** Resolves with the first message to `to` (and matching `subject`) received so far, or waits for it. */
  waitFor(to: string, options?: { subject?: RegExp; timeoutMs?: number }): Promise<ReceivedMail>;
  /** Pulls `token=…` out of a message's link. */
  tokenFrom(mail: ReceivedMail): string;
  /** Makes the server refuse every message (to test delivery failures) until set back. */
  setRejecting(rejecting: boolean): void;
  close(): Promise<void>;
}

function toReceived(parsed: ParsedMail): ReceivedMail {
  const addresses = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
  return {
    to: addresses.flatMap((address) => address.value.map((entry) => entry.address ?? '')).join(','),
    from: parsed.from?.value[0]?.address ?? '',
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
  };
}

/** `port`: listen there (a test that brings a mail server back where it was); else any free port. */
export async function createTestMailbox(options: { port?: number } = {}): Promise<TestMailbox> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let rejecting = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      if (rejecting) {
        stream.resume();
        stream.on('end', () => callback(new Error('Mailbox unavailable')));
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          messages.push(toReceived(parsed));
          for (const wake of waiters) wake();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(to, { subject, timeoutMs = 5000 } = {}) {
      const find = () => messages.find((mail) => mail.to === to && (!subject || subject.test(mail.subject)));
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find();
          if (!mail) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`No mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    tokenFrom(mail) {
      const match = /token=([A-Za-z0-9_-]+)/.exec(mail.text);
      if (!match?.[1]) throw new Error(`No token in mail "${mail.subject}"`);
      return match[1];
    },
    setRejecting(value) {
      rejecting = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
