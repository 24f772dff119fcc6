/**
 * The operator's account commands on real databases: each one takes effect at once for the
 * authentication check every call makes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, createAdmin } from './admin.js';
import { authErrorCodeOf, createTestCore, type TestCore, testDialects } from './testing/index.js';

describe.each(await testDialects())('admin commands on %s', (dialect) => {
  let t: TestCore;
  let admin: Admin;
  const password = 'violet-harbor-lantern-42';
  const services = () => t.core.forRequest();
  const register = (email: string) => services().users.register({ email, password });
  const login = async (email: string) => {
    const result = await services().auth.login({ email, password });
    if (!('accessToken' in result)) throw new Error('Expected tokens');
    return result;
  };

  beforeAll(async () => {
    t = await createTestCore({ dialect });
    admin = createAdmin({ orm: t.orm, clock: t.clock });
  });
  afterAll(() => t.close());

  it('lists accounts newest first, within the limit', async () => {
    await register('first@example.com');
    t.clock.advance(1000);
    await register('second@example.com');
    const listed = await admin.listUsers(10);
    expect(listed.map((user) => user.email).slice(0, 2)).toEqual(['second@example.com', 'first@example.com']);
    expect(listed[0]).toMatchObject({ emailVerified: false, disabledAt: null });
    expect(await admin.listUsers(1)).toHaveLength(1);
  });

  it('shows an account with its live sessions, and nothing for an unknown email', async () => {
    await register('shown@example.com');
    await login('shown@example.com');
    await login('shown@example.com');
    expect(await admin.showUser('shown@example.com')).toMatchObject({ email: 'shown@example.com', liveSessions: 2 });
    expect(await admin.showUser('nobody@example.com')).toBeNull();
  });

  it('disables an account: tokens refused at once, no login; enabling lets it log in again', async () => {
    await register('disabled@example.com');
    const session = await login('disabled@example.com');
    expect(await admin.disableUser('disabled@example.com')).toBe(true);
    expect(await authErrorCodeOf(services().auth.authenticate(session.accessToken))).toBe('TOKEN_INVALID');
    expect(await authErrorCodeOf(services().auth.refresh(session.refreshToken))).toBe('TOKEN_INVALID');
    expect(await authErrorCodeOf(login('disabled@example.com'))).toBe('ACCOUNT_DISABLED');
    expect((await admin.showUser('disabled@example.com'))?.disabledAt).toBeInstanceOf(Date);

    expect(await admin.enableUser('disabled@example.com')).toBe(true);
    const again = await login('disabled@example.com');
    await expect(services().auth.authenticate(again.accessToken)).resolves.toMatchObject({});
    expect(await admin.disableUser('nobody@example.com')).toBe(false);
    expect(await admin.enableUser('nobody@example.com')).toBe(false);
  });

  it('revokes every session of an account', async () => {
    await register('revoked@example.com');
    const sessions = [await login('revoked@example.com'), await login('revoked@example.com')];
    expect(await admin.revokeUserSessions('revoked@example.com')).toBe(2);
    for (const session of sessions) {
      expect(await authErrorCodeOf(services().auth.authenticate(session.accessToken))).toBe('TOKEN_INVALID');
    }
    expect(await admin.revokeUserSessions('nobody@example.com')).toBeNull();
  });

  it('deletes an account and everything of it; the email registers again as a new user', async () => {
    const before = await register('deleted@example.com');
    const session = await login('deleted@example.com');
    expect(await admin.deleteUser('deleted@example.com')).toBe(true);
    expect(await authErrorCodeOf(services().auth.authenticate(session.accessToken))).toBe('TOKEN_INVALID');
    expect(await admin.showUser('deleted@example.com')).toBeNull();
    expect((await register('deleted@example.com')).id).not.toBe(before.id);
    expect(await admin.deleteUser('nobody@example.com')).toBe(false);
  });
});
