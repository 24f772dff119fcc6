/**
 * The mail outbox across real processes: mail queued while the mail server is down survives
 * a SIGKILL of the instance and is delivered, exactly once, by the instances that start
 * afterwards (two of them racing on PostgreSQL); a message that keeps failing is retried
 * with growing delays and then given up.
 */
import { type Orm, openOrm } from '@keyway/auth-core';
import { createTestDatabase, createTestMailbox, type TestMailbox, testDialects } from '@keyway/auth-core/testing';
import { describe, expect, it } from 'vitest';
import {
  baseEnv,
  eventually,
  listeningUrl,
  logMessage,
  mutationData,
  password,
  type Spawned,
  spawnEntry,
  unique,
} from './testing.js';

const slow = { timeout: 240_000 };

/** A port where no mail server listens now (one did a moment ago, so one can come back there). */
async function freePort(): Promise<number> {
  const probe = await createTestMailbox();
  await probe.close();
  return Number(new URL(probe.url).port);
}

async function stopAll(processes: Spawned[]): Promise<void> {
  for (const spawned of processes) spawned.child.kill('SIGTERM');
  await Promise.all(processes.map((spawned) => spawned.exited));
}

async function unsent(orm: Orm): Promise<number> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ count: number | string }[]>('select count(*) as count from outbox_message where sent_at is null');
  return Number(row?.count);
}

const cases = (await testDialects()).map((dialect) =>
  dialect === 'sqlite'
    ? { dialect, instances: 1, users: 1 }
    : // Two instances drain the same outbox at once: each message still goes out once.
      { dialect, instances: 2, users: 200 },
);

describe.each(cases)('mail across a hard kill on $dialect ($instances instance(s), $users mail)', (scenario) => {
  it('is delivered once to each address after the mail server and the instances come back', slow, async () => {
    const database = await createTestDatabase(scenario.dialect, { file: true });
    const port = await freePort();
    const env = {
      ...baseEnv(database.url),
      MAIL_TRANSPORT: `smtp://127.0.0.1:${port}`,
      RATE_LIMIT_REGISTER_IP: '100000/1h',
      RATE_LIMIT_DEFAULT_IP: '100000/1m',
    };
    const running: Spawned[] = [];
    let mailbox: TestMailbox | undefined;
    let orm: Orm | undefined;
    try {
      const first = spawnEntry('main', env);
      running.push(first);
      const firstUrl = await listeningUrl(first);
      const emails = Array.from({ length: scenario.users }, (_, index) => `${unique(`kill${index}`)}@example.com`);
      for (let start = 0; start < emails.length; start += 10) {
        await Promise.all(
          emails.slice(start, start + 10).map(async (email) => {
            await mutationData(firstUrl, 'users.register', { email, password });
          }),
        );
      }
      // The mail server is down: every first attempt fails, and the instance is killed.
      const failed = () => first.stdout.filter((line) => logMessage(line)?.startsWith('Mail attempt failed')).length;
      await eventually('a failed first attempt of every mail', async () => failed() >= emails.length, 60_000);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      running.length = 0;

      mailbox = await createTestMailbox({ port });
      const instances = Array.from({ length: scenario.instances }, () => spawnEntry('main', env));
      running.push(...instances);
      const urls = await Promise.all(instances.map(listeningUrl));
      const box = mailbox;
      await eventually('every mail delivered', async () => box.messages.length >= emails.length, 120_000);
      orm = await openOrm({ databaseUrl: database.url });
      const db = orm;
      await eventually('every mail marked sent', async () => (await unsent(db)) === 0, 60_000);
      // Past a few more polls of every instance: nothing goes out a second time.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const received = box.messages.map((mail) => mail.to).sort();
      expect(received).toEqual([...emails].sort());

      // The link in the mail works (its token was minted when it was sent).
      const [email] = emails;
      const mail = box.messages.find((message) => message.to === email);
      if (!mail || !urls[0]) throw new Error('no mail to check');
      const verified = await mutationData(urls[0], 'users.verifyEmail', { token: box.tokenFrom(mail) });
      expect(verified.user).toMatchObject({ email, emailVerified: true });
    } finally {
      await stopAll(running);
      await orm?.close(true);
      await mailbox?.close();
      await database.drop();
    }
  });
});

describe('a mail the server keeps refusing', () => {
  it('is retried with growing delays, then marked failed and logged', slow, async () => {
    const database = await createTestDatabase('sqlite', { file: true });
    const mailbox = await createTestMailbox();
    mailbox.setRejecting(true);
    const spawned = spawnEntry('main', {
      ...baseEnv(database.url),
      MAIL_TRANSPORT: mailbox.url,
      MAIL_RETRY_FOR: '45s',
    });
    try {
      const url = await listeningUrl(spawned);
      await mutationData(url, 'users.register', { email: 'refused@example.com', password });
      const givenUp = await spawned.waitForLine(
        (line) => logMessage(line)?.startsWith('Mail given up') ?? false,
        120_000,
      );
      const retries = spawned.stdout
        .filter((line) => logMessage(line)?.startsWith('Mail attempt failed'))
        .map((line) => JSON.parse(line) as { attempts: number; retryInSeconds: number });
      // 10 s, then 20 s; the last wait is cut to end at MAIL_RETRY_FOR after the message was queued.
      expect(retries.slice(0, 2)).toEqual([
        expect.objectContaining({ attempts: 1, retryInSeconds: 10 }),
        expect.objectContaining({ attempts: 2, retryInSeconds: 20 }),
      ]);
      expect(retries.every((retry) => retry.retryInSeconds <= 20)).toBe(true);
      expect(JSON.parse(givenUp)).toMatchObject({ level: 50, kind: 'verify-email', attempts: retries.length + 1 });
      expect(mailbox.messages).toEqual([]);
    } finally {
      await stopAll([spawned]);
      await mailbox.close();
      await database.drop();
    }
  });
});
