/**
 * Minting emailed tokens on real databases (a SQLite file with its pool, and PostgreSQL):
 * mints of one user's email-change link that run at once leave exactly one live link, and a
 * request that is no longer pending mints none.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { hashSecretToken } from '../secrets.js';
import { testDialects } from '../testing/database.js';
import { repositoriesOnTestDatabase } from '../testing/repository-database.js';
import { issueEmailToken } from './email-tokens.js';

const config = { resetTokenTtlSeconds: 3600, verifyTokenTtlSeconds: 86_400 };

describe.each(await testDialects())('email-change links minted at once on %s', (dialect) => {
  const { repositories, createUser } = repositoriesOnTestDatabase(dialect);
  const clock = createManualClock(new Date('2026-03-01T12:00:00Z'));

  it('leaves one live link of the pending request, and mints none for a request that ended', async () => {
    const user = await createUser();
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
