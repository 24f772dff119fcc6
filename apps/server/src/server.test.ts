/**
 * What `createServer` does besides answering: the purge timer, and a stop that drains
 * in-flight requests without waiting on kept-alive connections. In process, so the parts
 * main.ts wires up are tested where coverage sees them.
 */
import { createManualClock } from '@keyway/auth-core';
import { describe, expect, it } from 'vitest';
import * as entry from './index.js';
import { createLogger } from './logger.js';
import {
  captureLogs,
  heldLogin,
  mutation,
  password,
  register,
  registerAndLogin,
  send,
  startTestServer,
} from './testing.js';

async function count(t: Awaited<ReturnType<typeof startTestServer>>, table: string): Promise<number> {
  const [row] = await t.orm.em.getConnection().execute<Array<{ n: number }>>(`select count(*) as n from ${table}`);
  return Number(row?.n);
}

describe('createServer', () => {
  it('purges expired deny-list rows, dead sessions, expired emailed tokens and sent mail on a timer', async () => {
    const clock = createManualClock(new Date());
    const log = captureLogs();
    const t = await startTestServer({
      clock,
      env: { PURGE_INTERVAL: '1s' },
      logger: log.logger,
    });
    try {
      const session = await registerAndLogin(t.url, 'purge@example.com');
      await mutation(t.url, 'auth.logout', {}, { token: session.accessToken });
      await t.server.core.idle();
      expect(await count(t, 'token_denylist')).toBe(1);
      expect(await count(t, 'email_token')).toBe(1);
      expect(await count(t, 'outbox_message')).toBe(1);

      // Past every lifetime (the 30-day refresh token included): all of it is dead weight.
      clock.advance(61 * 86_400 * 1000);
      const purged = await log.waitFor((line) => line.msg === 'Purged expired tokens and sessions');
      expect(purged.deleted).toBe(4);
      expect(await count(t, 'token_denylist')).toBe(0);
      expect(await count(t, 'session')).toBe(0);
      expect(await count(t, 'email_token')).toBe(0);
      expect(await count(t, 'outbox_message')).toBe(0);
      // The account itself stays.
      expect((await mutation(t.url, 'auth.login', { email: 'purge@example.com', password })).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('stop() finishes a request in flight, then closes its kept-alive connection', async () => {
    const t = await startTestServer();
    let stopped: Promise<void> | undefined;
    try {
      await register(t.url, 'drain@example.com');
      const held = heldLogin(t.url, 'drain@example.com');
      await held.continued;

      stopped = t.server.stop();
      // No new connection is accepted once stop() has been called.
      await expect(send(`${t.url}/healthz`)).rejects.toThrow();
      held.release();
      const answer = await held.answered;
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe('close');
      await held.socketClosed;
      await stopped;
    } finally {
      await (stopped ?? t.server.stop());
      await t.mailbox.close();
    }
  });
});

describe('the package entry and the logger', () => {
  it('exports what hosts and tests use', () => {
    expect(Object.keys(entry).sort()).toEqual(
      ['ConfigError', 'createLogger', 'createServer', 'loadConfig', 'maxBodyBytes'].sort(),
    );
    expect(entry.maxBodyBytes).toBe(64 * 1024);
  });

  it('logs JSON at the configured level outside an interactive development terminal', () => {
    const logger = createLogger({ logLevel: 'warn', nodeEnv: 'production' });
    expect(logger.level).toBe('warn');
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(createLogger({ logLevel: 'debug', nodeEnv: 'test' }).isLevelEnabled('debug')).toBe(true);
  });
});
