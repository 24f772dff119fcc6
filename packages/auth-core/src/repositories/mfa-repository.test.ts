/**
 * The MFA repository on real databases, SQLite and PostgreSQL: each compare-and-set holds
 * when calls race, and `mfaEnabled` comes with the user everywhere, the hot-path read included.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Orm, openOrm } from '../orm.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/database.js';
import { createRepositories } from './index.js';
import type { Repositories } from './types.js';

describe.each(await testDialects())('the MFA repository on %s', (dialect) => {
  let database: TestDatabase;
  let orm: Orm;
  const repositories = (): Repositories => createRepositories(orm.em.fork() as EntityManager);
  const now = new Date('2026-03-01T12:00:00.000Z');
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
  const secret = (ciphertext: string) => ({ keyId: '0123456789abcdef', ciphertext });
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, { file: true });
    orm = await openOrm({ databaseUrl: database.url });
    await migrate(orm);
  });
  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  async function createUser() {
    const email = `mfa${++counter}@example.com`;
    return repositories().users.create({ email, passwordHash: '$kw1$not-a-real-hash', now });
  }

  async function enabledUser(step = 100) {
    const user = await createUser();
    await repositories().mfa.setPendingSecret({ userId: user.id, secret: secret('sealed'), now });
    expect(await repositories().mfa.enable({ userId: user.id, ciphertext: 'sealed', step, now })).toBe(true);
    return user;
  }

  it('keeps a pending secret pending, replaces it, and turns on only the secret that was checked', async () => {
    const user = await createUser();
    const { mfa } = repositories();
    expect(await mfa.findSecret(user.id)).toBeNull();
    expect(await mfa.setPendingSecret({ userId: user.id, secret: secret('first'), now })).toBe(true);
    expect(await mfa.findSecret(user.id)).toEqual({ secret: secret('first'), enabled: false, lastUsedStep: null });
    expect(await mfa.setPendingSecret({ userId: user.id, secret: secret('second'), now })).toBe(true);
    // The first secret was replaced: a code checked against it cannot turn MFA on.
    expect(await mfa.enable({ userId: user.id, ciphertext: 'first', step: 7, now })).toBe(false);
    expect((await repositories().users.findById(user.id))?.mfaEnabled).toBe(false);
    expect(await mfa.enable({ userId: user.id, ciphertext: 'second', step: 7, now })).toBe(true);
    expect(await mfa.enable({ userId: user.id, ciphertext: 'second', step: 8, now })).toBe(false);
    expect(await mfa.findSecret(user.id)).toEqual({ secret: secret('second'), enabled: true, lastUsedStep: 7 });
    // On: no new setup replaces it.
    expect(await mfa.setPendingSecret({ userId: user.id, secret: secret('third'), now })).toBe(false);
    expect((await mfa.findSecret(user.id))?.secret).toEqual(secret('second'));
  });

  it('gives mfaEnabled with the user from every read, the hot-path one included', async () => {
    const user = await enabledUser();
    const { users, sessions } = repositories();
    expect((await users.findById(user.id))?.mfaEnabled).toBe(true);
    expect((await users.findByEmail(user.email))?.mfaEnabled).toBe(true);
    expect((await users.findCredentials(user.email))?.user.mfaEnabled).toBe(true);
    const sessionId = randomUUID();
    await sessions.create({
      id: sessionId,
      userId: user.id,
      refreshJti: randomUUID(),
      now,
      expiresAt: later(3600),
      userAgent: null,
      ip: null,
    });
    expect(await sessions.findActiveUser({ sessionId, accessJti: randomUUID(), now })).toMatchObject({
      id: user.id,
      mfaEnabled: true,
    });
    const plain = await createUser();
    expect((await users.findById(plain.id))?.mfaEnabled).toBe(false);
  });

  it('accepts each time step once and only forward, also when the same step races', async () => {
    const user = await enabledUser(100);
    const { mfa } = repositories();
    expect(await mfa.useStep({ userId: user.id, step: 100 })).toBe(false);
    expect(await mfa.useStep({ userId: user.id, step: 99 })).toBe(false);
    const racing = await Promise.all(
      [1, 2, 3, 4, 5].map(() => repositories().mfa.useStep({ userId: user.id, step: 101 })),
    );
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(await mfa.useStep({ userId: user.id, step: 102 })).toBe(true);
    expect((await mfa.findSecret(user.id))?.lastUsedStep).toBe(102);
    // Not for a user whose MFA is off.
    const plain = await createUser();
    expect(await mfa.useStep({ userId: plain.id, step: 5 })).toBe(false);
  });

  it("spends a recovery code once, only the owner's, also when it races", async () => {
    const user = await enabledUser();
    const other = await enabledUser();
    await repositories().mfa.replaceRecoveryCodes({
      userId: user.id,
      codeHashes: ['a'.repeat(64), 'b'.repeat(64)],
      now,
    });
    expect(await repositories().mfa.useRecoveryCode({ userId: other.id, codeHash: 'a'.repeat(64), now })).toBe(false);
    const racing = await Promise.all(
      [1, 2, 3, 4].map(() => repositories().mfa.useRecoveryCode({ userId: user.id, codeHash: 'a'.repeat(64), now })),
    );
    expect(racing.filter(Boolean)).toHaveLength(1);
    // A new set replaces the old one.
    await repositories().mfa.replaceRecoveryCodes({ userId: user.id, codeHashes: ['c'.repeat(64)], now });
    expect(await repositories().mfa.useRecoveryCode({ userId: user.id, codeHash: 'b'.repeat(64), now })).toBe(false);
    expect(await repositories().mfa.useRecoveryCode({ userId: user.id, codeHash: 'c'.repeat(64), now })).toBe(true);
  });

  it('counts at most maxAttempts attempts on a challenge, even racing, and spends it once', async () => {
    const user = await enabledUser();
    const tokenHash = randomUUID().replace(/-/g, '').padEnd(64, '0');
    await repositories().mfa.createChallenge({ tokenHash, userId: user.id, now, expiresAt: later(300) });
    const racing = await Promise.all(
      Array.from({ length: 9 }, () => repositories().mfa.attemptChallenge({ tokenHash, now, maxAttempts: 5 })),
    );
    expect(racing.filter((userId) => userId === user.id)).toHaveLength(5);
    expect(racing.filter((userId) => userId === null)).toHaveLength(4);

    const fresh = `${'f'.repeat(63)}${counter}`.slice(-64);
    await repositories().mfa.createChallenge({ tokenHash: fresh, userId: user.id, now, expiresAt: later(300) });
    expect(await repositories().mfa.attemptChallenge({ tokenHash: fresh, now: later(301), maxAttempts: 5 })).toBeNull();
    expect(await repositories().mfa.attemptChallenge({ tokenHash: fresh, now, maxAttempts: 5 })).toBe(user.id);
    const spent = await Promise.all(
      [1, 2, 3].map(() => repositories().mfa.consumeChallenge({ tokenHash: fresh, now })),
    );
    expect(spent.filter(Boolean)).toHaveLength(1);
    expect(await repositories().mfa.attemptChallenge({ tokenHash: fresh, now, maxAttempts: 5 })).toBeNull();
    expect(await repositories().mfa.consumeChallenge({ tokenHash: 'unknown', now })).toBe(false);
  });

  it('disables: clears the secret, the recovery codes and pending challenges; once', async () => {
    const user = await enabledUser();
    const tokenHash = 'd'.repeat(63) + String(counter % 10);
    await repositories().mfa.replaceRecoveryCodes({ userId: user.id, codeHashes: ['e'.repeat(64)], now });
    await repositories().mfa.createChallenge({ tokenHash, userId: user.id, now, expiresAt: later(300) });
    expect(await repositories().mfa.disable({ userId: user.id, now })).toBe(true);
    expect(await repositories().mfa.disable({ userId: user.id, now })).toBe(false);
    expect(await repositories().mfa.findSecret(user.id)).toBeNull();
    expect((await repositories().users.findById(user.id))?.mfaEnabled).toBe(false);
    expect(await repositories().mfa.attemptChallenge({ tokenHash, now, maxAttempts: 5 })).toBeNull();
    expect(await repositories().mfa.useRecoveryCode({ userId: user.id, codeHash: 'e'.repeat(64), now })).toBe(false);
    // Set up again from scratch.
    expect(await repositories().mfa.setPendingSecret({ userId: user.id, secret: secret('again'), now })).toBe(true);
  });

  it('purges expired challenges in bounded batches', async () => {
    const user = await createUser();
    for (let index = 0; index < 3; index += 1) {
      await repositories().mfa.createChallenge({
        tokenHash: `${index}`.padStart(64, 'p'),
        userId: user.id,
        now,
        expiresAt: later(10),
      });
    }
    expect(await repositories().mfa.purgeExpiredChallenges(later(5), 10)).toBe(0);
    expect(await repositories().mfa.purgeExpiredChallenges(later(20), 2)).toBe(2);
    expect(await repositories().mfa.purgeExpiredChallenges(later(20), 2)).toBeGreaterThanOrEqual(1);
    expect(await repositories().mfa.purgeExpiredChallenges(later(20), 2)).toBe(0);
  });
});
