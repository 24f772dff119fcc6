/**
 * Minting emailed tokens on real databases (a SQLite file with its pool, and PostgreSQL):
 * mints of one user's email-change link that run at once leave exactly one live link, and a
 * request that is no longer pending mints none.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { migrate, type Orm, openOrm } from '../orm.js';
import { createRepositories } from '../repositories/index.js';
import { hashSecretToken } from '../secrets.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/database.js';
import { issueEmailToken } from './email-tokens.js';

const config = { resetTokenTtlSeconds: 3600, verifyTokenTtlSeconds: 86_400 };

describe.each(await testDialects())('email-change links minted at once on %s', (dialect) => {
  let database: TestDatabase;
  let orm: Orm;
  const clock = createManualClock(new Date('2026-03-01T12:00:00Z'));
  const repositories = () => createRepositories(orm.em.fork() as EntityManager);

  beforeAll(async () => {
    database = await createTestDatabase(dialect, { file: true });
    orm = await openOrm({ databaseUrl: database.url });
    await migrate(orm);
  });
  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  it('leaves one live link of the pending request, and mints none for a request that ended', async () => {
    const user = await repositories().users.create({
      email: `minted-${dialect}@example.com`,
      passwordHash: '$kw1$not-a-real-hash',
      now: clock.now(),
    });
    const [stale, pending] = [randomUUID(), randomUUID()];
    await repositories().users.setEmailChangeRequest(user.id, stale, clock.now());
    await repositories().users.setEmailChangeRequest(user.id, pending, clock.now());
    const mint = (changeRequestId: string) =>
      issueEmailToken(repositories(), {
        userId: user.id,
        purpose: 'email-change',
        clock,
        config,
        newEmail: `moved-${dialect}@example.com`,
        changeRequestId,
      });

    expect(await mint(stale)).toBeNull();
    for (let round = 0; round < 3; round++) {
      const tokens = await Promise.all(Array.from({ length: 6 }, () => mint(pending)));
      const live = await Promise.all(
        tokens.map((token) =>
          repositories().emailTokens.findValid({
            tokenHash: hashSecretToken(token ?? ''),
            purpose: 'email-change',
            now: clock.now(),
          }),
        ),
      );
      expect(live.filter((found) => found !== null)).toHaveLength(1);
    }
  });
});
