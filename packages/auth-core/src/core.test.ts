/**
 * The wired core on real databases (SQLite, and PostgreSQL when it answers) with real SMTP
 * delivery: concurrency, expiry by the clock, what is stored, purging, persistence, and
 * mail failures.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthCore } from './core.js';
import { isAuthError } from './errors.js';
import { openOrm } from './orm.js';
import { createRepositories } from './repositories/index.js';
import { hashSecretToken } from './secrets.js';
import {
  authErrorCodeOf as codeOf,
  createTestCore,
  passwordLoginOnly,
  type TestCore,
  testDialects,
} from './testing/index.js';

const password = 'plum-orbit-cascade';
const hour = 3_600_000;
const day = 24 * hour;

describe.each(await testDialects())('the auth core on %s', (dialect) => {
  let t: TestCore;
  const services = () => {
    const { auth, users } = t.core.forRequest();
    return { auth: passwordLoginOnly(auth), users };
  };
  let counter = 0;

  /** The messages to `email` whose subject matches, once queued mail has gone out. */
  async function mailsTo(email: string, subject: RegExp) {
    await t.core.idle();
    return t.mailbox.messages.filter((mail) => mail.to === email && subject.test(mail.subject));
  }

  async function registered() {
    const email = `user${++counter}-${dialect}@example.com`;
    const user = await services().users.register({ email, password });
    const [verification] = await mailsTo(email, /Confirm/);
    return { email, user, verifyToken: verification ? t.mailbox.tokenFrom(verification) : '' };
  }

  async function resetToken(email: string) {
    await services().users.requestPasswordReset(email);
    const mail = (await mailsTo(email, /Reset/)).at(-1);
    if (!mail) throw new Error(`no reset mail to ${email}`);
    return t.mailbox.tokenFrom(mail);
  }

  /** Every row of every table, as one string to search for secrets. */
  async function databaseDump(): Promise<string> {
    const connection = t.orm.em.getConnection();
    const tables = ['user', 'session', 'token_denylist', 'email_token', 'outbox_message'];
    const rows = await Promise.all(tables.map((table) => connection.execute(`select * from "${table}"`)));
    return JSON.stringify(rows);
  }

  beforeAll(async () => {
    t = await createTestCore({ dialect, file: true });
  });

  afterAll(() => t.close());

  it('delivers the verification link over SMTP, and the link verifies the address', async () => {
    const { email, user, verifyToken } = await registered();
    const [mail] = await mailsTo(email, /Confirm/);
    expect(mail?.text).toContain(`${t.config.appUrl}/verify-email?token=${verifyToken}`);
    expect((await services().users.verifyEmail(verifyToken)).emailVerified).toBe(true);
    const login = await services().auth.login({ email, password });
    // The core's own check (what every authenticated call runs) reads the verified user.
    const principal = await t.core.authenticate(login.accessToken);
    expect(principal.user).toMatchObject({ id: user.id, emailVerified: true });
  });

  it('rotates refresh tokens in sequence, and a replayed one ends the session', async () => {
    const { email } = await registered();
    const login = await services().auth.login({ email, password });
    const second = await services().auth.refresh(login.refreshToken);
    const third = await services().auth.refresh(second.refreshToken);
    await expect(services().auth.authenticate(third.accessToken)).resolves.toBeDefined();

    // The login's token is two rotations old: reuse, grace or not (refresh-grace.test.ts).
    expect(await codeOf(services().auth.refresh(login.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await codeOf(services().auth.refresh(third.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(services().auth.authenticate(third.accessToken))).toBe('TOKEN_INVALID');
  });

  it('accepts a reset link once, even when it is used concurrently', async () => {
    const { email } = await registered();
    const token = await resetToken(email);
    const candidates = ['amber-quartz-meadow', 'violet-harbor-lantern', 'copper-willow-stream', 'misty-falcon-orchard'];
    const results = await Promise.allSettled(
      candidates.map((newPassword) => services().users.resetPassword({ token, newPassword })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected')
        expect(isAuthError(result.reason) && result.reason.code).toBe('RESET_TOKEN_INVALID');
    }

    const logins = await Promise.allSettled(
      candidates.map((candidate) => services().auth.login({ email, password: candidate })),
    );
    expect(logins.map((login) => login.status)).toEqual(results.map((result) => result.status));
  });

  it('expires reset links after RESET_TOKEN_TTL, by the clock', async () => {
    const { email } = await registered();
    const token = await resetToken(email);
    t.clock.advance(t.config.resetTokenTtlSeconds * 1000 - 1000);
    // A refused weak password shows the token is still good without spending it.
    expect(await codeOf(services().users.resetPassword({ token, newPassword: 'password' }))).toBe('WEAK_PASSWORD');
    t.clock.advance(1000);
    expect(await codeOf(services().users.resetPassword({ token, newPassword: 'amber-quartz-meadow' }))).toBe(
      'RESET_TOKEN_INVALID',
    );
  });

  it('expires verification links after VERIFY_TOKEN_TTL, by the clock', async () => {
    const { verifyToken } = await registered();
    t.clock.advance(t.config.verifyTokenTtlSeconds * 1000);
    expect(await codeOf(services().users.verifyEmail(verifyToken))).toBe('VERIFY_TOKEN_INVALID');
  });

  it('ends every session on a completed reset: the old password and old tokens are refused', async () => {
    const { email } = await registered();
    const login = await services().auth.login({ email, password });
    const token = await resetToken(email);
    await services().users.resetPassword({ token, newPassword: 'amber-quartz-meadow' });

    expect(await codeOf(services().auth.login({ email, password }))).toBe('INVALID_CREDENTIALS');
    await expect(services().auth.login({ email, password: 'amber-quartz-meadow' })).resolves.toBeDefined();
    expect(await codeOf(services().auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(services().auth.refresh(login.refreshToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(services().users.resetPassword({ token, newPassword: 'violet-harbor-lantern' }))).toBe(
      'RESET_TOKEN_INVALID',
    );
  });

  it('stores no password, token or emailed secret in plain text', async () => {
    const { email, verifyToken } = await registered();
    const login = await services().auth.login({ email, password });
    const principal = await services().auth.authenticate(login.accessToken);
    const newPassword = 'amber-quartz-meadow';
    await services().users.changePassword(principal, { currentPassword: password, newPassword });
    const reset = await resetToken(email);
    const second = await services().auth.login({ email, password: newPassword });
    await services().auth.logout(await services().auth.authenticate(second.accessToken));

    const dump = await databaseDump();
    // The dump is real: it holds the hashes of the emailed tokens, a marked bcrypt hash, and
    // the outbox rows of the mails that carried the tokens.
    expect(dump).toContain(hashSecretToken(verifyToken));
    expect(dump).toContain('password-reset');
    expect(dump).toContain(hashSecretToken(reset));
    expect(dump).toMatch(/\$kw1\$\$2b\$04\$/);
    for (const secret of [password, newPassword, verifyToken, reset, login.refreshToken, login.accessToken]) {
      expect(dump).not.toContain(secret);
    }
    expect(dump).not.toContain(second.refreshToken);
  });

  it('keeps tokens valid and denials in force across a restart and on a second instance', async () => {
    const { email } = await registered();
    const kept = await services().auth.login({ email, password });
    const loggedOut = await services().auth.login({ email, password });
    await services().auth.logout(await services().auth.authenticate(loggedOut.accessToken));

    // A second instance on the same database (for SQLite, the same file reopened).
    const orm = await openOrm({ databaseUrl: t.database.url });
    const other = await createAuthCore({ orm, config: t.config, clock: t.clock, passwords: t.core.passwords });
    try {
      await expect(other.forRequest().auth.authenticate(kept.accessToken)).resolves.toBeDefined();
      expect(await codeOf(other.forRequest().auth.authenticate(loggedOut.accessToken))).toBe('TOKEN_INVALID');
      expect(await codeOf(other.forRequest().auth.refresh(loggedOut.refreshToken))).toBe('TOKEN_INVALID');
      const rotated = await other.forRequest().auth.refresh(kept.refreshToken);

      // Revoked through the second instance, refused by the first at once.
      await other.forRequest().auth.logoutAll(await other.forRequest().auth.authenticate(rotated.accessToken));
      expect(await codeOf(services().auth.authenticate(rotated.accessToken))).toBe('TOKEN_INVALID');
    } finally {
      await other.close();
      await orm.close(true);
    }
  });

  it('upgrades a password hash on login when BCRYPT_COST was raised', async () => {
    const { email, user } = await registered();
    const stronger = await createAuthCore({ orm: t.orm, config: { ...t.config, bcryptCost: 5 }, clock: t.clock });
    await stronger.forRequest().auth.login({ email, password });
    const [row] = await t.orm.em
      .getConnection()
      .execute<{ password_hash: string }[]>('select password_hash from "user" where id = ?', [user.id]);
    expect(row?.password_hash).toMatch(/^\$kw1\$\$2b\$05\$/);
    await expect(services().auth.login({ email, password })).resolves.toBeDefined();
    await stronger.close();
  });

  it('keeps a mail failure from the caller and delivers the mail once the server accepts again', async () => {
    const email = `unlucky-${dialect}@example.com`;
    t.mailbox.setRejecting(true);
    try {
      const user = await services().users.register({ email, password });
      expect(user.email).toBe(email);
      await t.core.idle(); // the first attempt fails
    } finally {
      t.mailbox.setRejecting(false);
    }
    expect(await mailsTo(email, /./)).toEqual([]);
    t.clock.advance(10_000); // the first retry is due
    const [mail, ...more] = await mailsTo(email, /Confirm/);
    if (!mail) throw new Error('the verification mail was not retried');
    expect(more).toEqual([]);
    expect((await services().users.verifyEmail(t.mailbox.tokenFrom(mail))).emailVerified).toBe(true);
  });
});

describe.each(await testDialects())('purgeExpired on %s', (dialect) => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ dialect });
  });
  afterAll(() => t.close());

  async function count(table: string): Promise<number> {
    const [row] = await t.orm.em
      .getConnection()
      .execute<{ count: string | number }[]>(`select count(*) as count from "${table}"`);
    return Number(row?.count);
  }

  it('deletes expired deny-list rows, long-dead sessions and expired emailed tokens in bounded batches', async () => {
    const repositories = createRepositories(t.orm.em.fork() as EntityManager);
    const now = t.clock.now();
    const at = (offset: number) => new Date(now.getTime() + offset);
    const refreshTtl = t.config.refreshTokenTtlSeconds * 1000;
    const user = await repositories.users.create({ email: 'purge@example.com', passwordHash: '$kw1$x', now });

    for (let index = 0; index < 23; index++)
      await repositories.denylist.add(crypto.randomUUID(), at(-(index + 1) * 1000));
    for (let index = 0; index < 2; index++) await repositories.denylist.add(crypto.randomUUID(), at(hour));

    const session = async (expiresAt: Date, revokedAt?: Date) => {
      const id = crypto.randomUUID();
      await repositories.sessions.create({
        id,
        userId: user.id,
        refreshJti: crypto.randomUUID(),
        now,
        expiresAt,
        userAgent: null,
        ip: null,
      });
      if (revokedAt) await repositories.sessions.revoke(id, revokedAt);
    };
    for (let index = 0; index < 7; index++) await session(at(-refreshTtl - day * (index + 1)));
    for (let index = 0; index < 4; index++) await session(at(day), at(-refreshTtl - day));
    for (let index = 0; index < 3; index++) await session(at(day)); // live
    await session(at(-hour)); // expired an hour ago: kept a while
    await session(at(day), at(-hour)); // revoked an hour ago: kept a while

    for (let index = 0; index < 6; index++) {
      await repositories.emailTokens.create({
        tokenHash: crypto.randomUUID().replaceAll('-', '').padEnd(64, 'a'),
        userId: user.id,
        purpose: index % 2 ? 'reset' : 'verify',
        now: at(-2 * day),
        expiresAt: at(-day),
      });
    }
    await repositories.emailTokens.create({
      tokenHash: 'f'.repeat(64),
      userId: user.id,
      purpose: 'reset',
      now,
      expiresAt: at(hour),
    });

    expect(await t.core.purgeExpired(5)).toBe(23 + 7 + 4 + 6);
    expect(await count('token_denylist')).toBe(2);
    expect(await count('session')).toBe(5);
    expect(await count('email_token')).toBe(1);
    expect(await t.core.purgeExpired(5)).toBe(0);
  });

  it('keeps a logged-out access token refused until it has expired', async () => {
    const services = () => ({ ...t.core.forRequest(), auth: passwordLoginOnly(t.core.forRequest().auth) });
    await services().users.register({ email: 'logout@example.com', password });
    const login = await services().auth.login({ email: 'logout@example.com', password });
    const other = await services().auth.login({ email: 'logout@example.com', password });
    await services().auth.logout(await services().auth.authenticate(login.accessToken));

    await t.core.purgeExpired();
    expect(await codeOf(services().auth.authenticate(login.accessToken))).toBe('TOKEN_INVALID');
    await expect(services().auth.authenticate(other.accessToken)).resolves.toBeDefined();
  });
});
