/**
 * Restarts: tokens that are still valid stay valid across a server restart, and
 * denied ones stay denied — two successive servers on one SQLite file, nothing in memory
 * carried over.
 */
import { createTestDatabase, type TestDatabase } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, login, mutation, mutationData, query, queryData, type SignedIn, startTestServer } from './testing.js';

describe('a restart on the same SQLite file', () => {
  let database: TestDatabase;
  let kept: SignedIn;
  let loggedOut: SignedIn;
  let spentRefreshToken: string;
  let revokedEverywhere: SignedIn;
  let url: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite', { file: true });
    const before = await startTestServer({ database });
    await before.register('restart@example.com');
    await before.register('everywhere@example.com');
    kept = await before.login('restart@example.com');
    loggedOut = await before.login('restart@example.com');
    const rotated = await before.login('restart@example.com');
    spentRefreshToken = rotated.refreshToken;
    // Spent two rotations ago, so no grace window covers it.
    const next = await before.mutationData('auth.refresh', { refreshToken: spentRefreshToken });
    await before.mutationData('auth.refresh', { refreshToken: next.refreshToken });
    await before.mutationData(
      'auth.logout',
      { refreshToken: loggedOut.refreshToken },
      { token: loggedOut.accessToken },
    );
    revokedEverywhere = await before.login('everywhere@example.com');
    const other = await before.login('everywhere@example.com');
    await before.mutationData('auth.logoutAll', undefined, { token: other.accessToken });
    await before.stop();

    const after = await startTestServer({ database });
    url = after.url;
    stop = after.stop;
  });
  afterAll(async () => {
    await stop();
    await database.drop();
  });

  it('accepts a still-valid access token', async () => {
    const me = await queryData(url, 'users.me', undefined, { token: kept.accessToken });
    expect(me.user.email).toBe('restart@example.com');
  });

  it('accepts a still-valid refresh token, once', async () => {
    const pair = await mutationData(url, 'auth.refresh', { refreshToken: kept.refreshToken });
    expect(pair.refreshToken).not.toBe(kept.refreshToken);
    expect((await query(url, 'users.me', undefined, { token: pair.accessToken })).status).toBe(200);
  });

  it('keeps a logged-out access and refresh token denied', async () => {
    const me = await query(url, 'users.me', undefined, { token: loggedOut.accessToken });
    expect(me.status).toBe(401);
    expect(errorOf(me).data.code).toBe('UNAUTHORIZED');
    expect((await mutation(url, 'auth.refresh', { refreshToken: loggedOut.refreshToken })).status).toBe(401);
  });

  it('keeps a spent refresh token spent', async () => {
    expect((await mutation(url, 'auth.refresh', { refreshToken: spentRefreshToken })).status).toBe(401);
  });

  it('keeps every token revoked by logoutAll revoked', async () => {
    expect((await query(url, 'users.me', undefined, { token: revokedEverywhere.accessToken })).status).toBe(401);
    expect((await mutation(url, 'auth.refresh', { refreshToken: revokedEverywhere.refreshToken })).status).toBe(401);
    // The account itself still works.
    expect((await login(url, 'everywhere@example.com')).user.email).toBe('everywhere@example.com');
  });
});
