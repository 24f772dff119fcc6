/**
 * The MikroORM repositories on real databases, SQLite and PostgreSQL: users (the unique
 * email under a race, the email change's compare-and-set) and emailed tokens (spent once
 * under concurrency, valid for their purpose and time). Sessions, the hot-path read and
 * bounded purges: session-repository.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAuthError } from '../errors.js';
import { testDialects } from '../testing/database.js';
import { minutes, repositoriesOnTestDatabase } from '../testing/repository-database.js';
import type { EmailTokenPurpose } from './types.js';

describe.each(await testDialects())('repositories on %s', (dialect) => {
  const { now, repositories, createUser, admin } = repositoriesOnTestDatabase(dialect);

  describe('users', () => {
    it('finds a user by id and by email, without the password hash', async () => {
      const user = await createUser();
      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: user.email,
        emailVerified: false,
        mfaEnabled: false,
        createdAt: now,
        updatedAt: now,
      });
      expect(await repositories().users.findById(user.id)).toEqual(user);
      expect(await repositories().users.findByEmail(user.email)).toEqual(user);
      expect(await repositories().users.findByEmail('nobody@example.com')).toBeNull();
      // findAccount: the same user and whether an operator disabled it, by id or by email.
      expect(await repositories().users.findAccount({ email: user.email })).toEqual({ user, disabled: false });
      await admin().disableUser(user.email);
      expect(await repositories().users.findAccount({ id: user.id })).toMatchObject({ disabled: true });
      expect(await repositories().users.findAccount({ email: user.email })).toMatchObject({
        user: { id: user.id },
        disabled: true,
      });
      expect(await repositories().users.findAccount({ email: 'nobody@example.com' })).toBeNull();
      expect(await repositories().users.findById(randomUUID())).toBeNull();
      expect(await repositories().users.findPasswordHash(user.id)).toBe('$kw1$not-a-real-hash');
    });

    it('reads a user and its password hash together for a login', async () => {
      const user = await createUser();
      expect(await repositories().users.findCredentials(user.email)).toEqual({
        user,
        passwordHash: '$kw1$not-a-real-hash',
        disabled: false,
      });
      expect(await repositories().users.findCredentials('nobody@example.com')).toBeNull();
    });

    it('refuses a second account with the same email, even when both race', async () => {
      const attempts = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          repositories().users.create({ email: 'race@example.com', passwordHash: '$kw1$x', now }),
        ),
      );
      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      for (const attempt of attempts) {
        if (attempt.status === 'rejected')
          expect(isAuthError(attempt.reason) && attempt.reason.code).toBe('EMAIL_TAKEN');
      }
    });

    it('updates the password hash and marks the email verified', async () => {
      const user = await createUser();
      const later = new Date(now.getTime() + minutes(5));
      await repositories().users.updatePasswordHash(user.id, '$kw1$new', later);
      expect(await repositories().users.findPasswordHash(user.id)).toBe('$kw1$new');
      expect((await repositories().users.findById(user.id))?.updatedAt).toEqual(later);

      const verified = await repositories().users.markEmailVerified(user.id, new Date(later.getTime() + 1000));
      expect(verified).toMatchObject({ emailVerified: true, updatedAt: new Date(later.getTime() + 1000) });
      // A second verification changes nothing.
      const again = await repositories().users.markEmailVerified(user.id, new Date(later.getTime() + 5000));
      expect(again?.updatedAt).toEqual(new Date(later.getTime() + 1000));
      expect(await repositories().users.markEmailVerified(randomUUID(), later)).toBeNull();
    });

    it('changes the email only for the pending request (compare-and-set), verified, and refuses a taken one', async () => {
      const user = await createUser();
      const other = await createUser();
      const later = new Date(now.getTime() + minutes(5));
      const [requestId, staleId] = [randomUUID(), randomUUID()];
      await repositories().users.setEmailChangeRequest(user.id, staleId, later);
      await repositories().users.setEmailChangeRequest(user.id, requestId, later);
      expect(await repositories().users.holdEmailChangeRequest(user.id, staleId)).toBe(false);
      expect(await repositories().users.holdEmailChangeRequest(user.id, requestId)).toBe(true);
      const change = { id: user.id, from: user.email, to: 'moved@example.com', now: later };
      expect(await repositories().users.changeEmail({ ...change, requestId: staleId })).toBeNull();
      const taken = { ...change, to: other.email, requestId };
      const attempt = repositories().transaction((tx) => tx.users.changeEmail(taken));
      await expect(attempt).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
      expect(await repositories().users.changeEmail({ ...change, requestId })).toMatchObject({
        id: user.id,
        email: 'moved@example.com',
        emailVerified: true,
        updatedAt: later,
      });
      // The change ended the request: the same one cannot move the account again.
      expect(await repositories().users.changeEmail({ ...change, from: 'moved@example.com', requestId })).toBeNull();
      expect(await repositories().users.holdEmailChangeRequest(user.id, requestId)).toBe(false);
      expect(await repositories().users.changeEmail({ ...change, id: randomUUID(), requestId })).toBeNull();
      expect(await repositories().users.findAccount({ id: user.id })).toMatchObject({ disabled: false });
    });
  });

  describe('emailed tokens', () => {
    const tokenHash = () => randomUUID().replaceAll('-', '').padEnd(64, '0');

    it('are consumed by exactly one of ten concurrent attempts', async () => {
      const user = await createUser();
      const hash = tokenHash();
      await repositories().emailTokens.create({
        tokenHash: hash,
        userId: user.id,
        purpose: 'reset',
        now,
        expiresAt: new Date(now.getTime() + minutes(60)),
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          repositories().emailTokens.consume({ tokenHash: hash, purpose: 'reset', now }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repositories().emailTokens.findValid({ tokenHash: hash, purpose: 'reset', now })).toBeNull();
    });

    it('are valid only for their purpose and until they expire', async () => {
      const user = await createUser();
      const hash = tokenHash();
      const expiresAt = new Date(now.getTime() + minutes(60));
      await repositories().emailTokens.create({ tokenHash: hash, userId: user.id, purpose: 'verify', now, expiresAt });
      const lookup = async (purpose: EmailTokenPurpose, at: Date) =>
        (await repositories().emailTokens.findValid({ tokenHash: hash, purpose, now: at }))?.userId ?? null;

      expect(await lookup('verify', new Date(expiresAt.getTime() - 1))).toBe(user.id);
      expect(await lookup('email-change', now)).toBeNull();
      expect(await lookup('reset', now)).toBeNull();
      expect(await lookup('verify', expiresAt)).toBeNull();
      expect(await repositories().emailTokens.consume({ tokenHash: hash, purpose: 'verify', now: expiresAt })).toBe(
        false,
      );
      expect(await repositories().emailTokens.consume({ tokenHash: hash, purpose: 'reset', now })).toBe(false);
      expect(await repositories().emailTokens.consume({ tokenHash: hash, purpose: 'verify', now })).toBe(true);
    });

    it('of an email change carry the address they confirm and their request', async () => {
      const user = await createUser();
      const hash = tokenHash();
      const expiresAt = new Date(now.getTime() + minutes(60));
      const changeRequestId = randomUUID();
      await repositories().emailTokens.create({
        tokenHash: hash,
        userId: user.id,
        purpose: 'email-change',
        newEmail: 'ada.new@example.com',
        changeRequestId,
        now,
        expiresAt,
      });
      expect(await repositories().emailTokens.findValid({ tokenHash: hash, purpose: 'email-change', now })).toEqual({
        userId: user.id,
        newEmail: 'ada.new@example.com',
        changeRequestId,
      });
    });

    it('are all invalidated for one user and purpose at once', async () => {
      const user = await createUser();
      const expiresAt = new Date(now.getTime() + minutes(60));
      const [reset1, reset2, verify] = [tokenHash(), tokenHash(), tokenHash()];
      for (const [hash, purpose] of [
        [reset1, 'reset'],
        [reset2, 'reset'],
        [verify, 'verify'],
      ] as const) {
        await repositories().emailTokens.create({ tokenHash: hash, userId: user.id, purpose, now, expiresAt });
      }
      await repositories().emailTokens.invalidateAll(user.id, 'reset', now);
      const valid = async (hash: string, purpose: 'reset' | 'verify') =>
        (await repositories().emailTokens.findValid({ tokenHash: hash, purpose, now }))?.userId ?? null;
      expect(await valid(reset1, 'reset')).toBeNull();
      expect(await valid(reset2, 'reset')).toBeNull();
      expect(await valid(verify, 'verify')).toBe(user.id);
    });
  });
});
