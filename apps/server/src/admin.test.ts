/**
 * The admin CLI as an operator runs it: a real process per command, against SQLite and
 * PostgreSQL, beside a running server whose answers show each command took effect at once.
 */
import { createPrivateKey } from 'node:crypto';
import { createTestDatabase, type TestDatabase, testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminError, parseCommand } from './admin-commands.js';
import { baseEnv, dataOf, errorOf, type Outputs, spawnEntry, startTestServer, type TestServer } from './testing.js';

// Each command is a process of its own (~1 s, much more on a loaded machine).
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

async function admin(env: Record<string, string>, ...args: string[]) {
  const spawned = spawnEntry('admin', env, args);
  const { code } = await spawned.exited;
  return { code, stdout: spawned.stdout.join('\n'), stderr: spawned.stderr() };
}

/** A failure an operator can read: non-zero, exactly one line on stderr, nothing on stdout. */
function expectOneLineFailure(result: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

describe('offline commands', () => {
  const env = baseEnv('sqlite::memory:');

  it('keys generate prints a PKCS#8 PEM of a new P-256 key, different every time', async () => {
    const first = await admin(env, 'keys', 'generate');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----$/);
    expect(createPrivateKey(first.stdout).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect((await admin(env, 'keys', 'generate')).stdout).not.toBe(first.stdout);
  });

  it('secret generate prints a random-looking JWT_SECRET', async () => {
    const { code, stdout } = await admin(env, 'secret', 'generate');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[\w-]{64}$/);
    expect(new Set(stdout).size).toBeGreaterThanOrEqual(16);
  });

  it('refuses an unknown command with one line', async () => {
    expectOneLineFailure(await admin(env, 'users', 'frobnicate'), /Unknown command: users frobnicate/);
  });

  it('refuses missing, unknown and malformed arguments before touching anything', () => {
    const refusals: [string[], RegExp][] = [
      [[], /Missing command/],
      [['keys', 'generate', 'extra'], /Unexpected argument: extra/],
      [['migrate', 'now'], /Unexpected argument: now/],
      [['users', 'show'], /exactly one email/],
      [['users', 'show', 'a@b.c', 'd@e.f'], /exactly one email/],
      [['users', 'disable', 'not an email'], /Not an email address/],
      [['users', 'delete', `${'x'.repeat(250)}@example.com`], /Not an email address/],
      [['users', 'list', '--limit', 'lots'], /--limit N/],
      [['users', 'list', '--limit', '0'], /--limit N/],
      [['users', 'list', '--limit', '10001'], /--limit N/],
      [['users', 'list', '--verbose'], /--limit N/],
    ];
    for (const [args, message] of refusals) {
      expect(() => parseCommand(args), args.join(' ')).toThrow(AdminError);
      expect(() => parseCommand(args), args.join(' ')).toThrow(message);
    }
    expect(parseCommand(['users', 'list', '--limit=5']).kind).toBe('database');
  });

  it('refuses a bad configuration with one line naming the variable', async () => {
    expectOneLineFailure(await admin({ ...env, DATABASE_URL: 'mysql://nope' }, 'users', 'list'), /DATABASE_URL/);
  });
});

describe.each(await testDialects())('account commands on %s', (dialect) => {
  let database: TestDatabase;
  let server: TestServer;
  let env: Record<string, string>;
  const alice = `alice-${dialect}@example.com`;
  const bob = `bob-${dialect}@example.com`;
  const me = (token: string) => server.query('users.me', undefined, { token });

  beforeAll(async () => {
    database = await createTestDatabase(dialect, { file: true });
    env = baseEnv(database.url);
    const migrated = await admin(env, 'migrate');
    expect(migrated).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied migrations: /) });
    expect(await admin(env, 'migrate')).toMatchObject({ code: 0, stdout: 'Database is up to date' });
    server = await startTestServer({ database });
    await server.register(alice);
    await server.register(bob);
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('lists accounts newest first, and honours --limit', async () => {
    const all = await admin(env, 'users', 'list');
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n').map((line) => line.split('\t')[1])).toEqual([bob, alice]);
    expect(all.stdout.split('\n')[0]).toMatch(/\tunverified\tactive\t\d{4}-/);
    expect((await admin(env, 'users', 'list', '--limit', '1')).stdout.split('\n')).toHaveLength(1);
  });

  it('shows one account with its live sessions; an unknown email fails with one line', async () => {
    await server.login(alice);
    const shown = await admin(env, 'users', 'show', ` ${alice.toUpperCase()} `);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`email: ${alice}`);
    expect(shown.stdout).toMatch(/live sessions: [1-9]/);
    expectOneLineFailure(
      await admin(env, 'users', 'show', 'nobody@example.com'),
      /No user with email nobody@example.com/,
    );
  });

  it('disables an account: its tokens are refused at once and it cannot log in; enable lets it back in', async () => {
    const session = await server.login(alice);
    dataOf(await me(session.accessToken));
    expect(await admin(env, 'users', 'disable', alice)).toMatchObject({ code: 0, stdout: `Disabled ${alice}` });

    expect(errorOf(await me(session.accessToken)).data.code).toBe('UNAUTHORIZED');
    expect(errorOf(await server.mutation('auth.refresh', { refreshToken: session.refreshToken })).data.code).toBe(
      'UNAUTHORIZED',
    );
    const refused = errorOf(
      await server.mutation('auth.login', { email: alice, password: 'a-Long-unusual-passphrase-42' }),
    );
    expect([refused.data.code, refused.message]).toEqual(['UNAUTHORIZED', 'This account is disabled']);
    // A wrong password still gets the ordinary answer: being disabled is told only to whoever knows the password.
    expect(errorOf(await server.mutation('auth.login', { email: alice, password: 'wrong-password-123' })).message).toBe(
      'Invalid email or password',
    );
    expect((await admin(env, 'users', 'show', alice)).stdout).toMatch(/disabled: since \d{4}-/);

    expect(await admin(env, 'users', 'enable', alice)).toMatchObject({ code: 0, stdout: `Enabled ${alice}` });
    dataOf(await me((await server.login(alice)).accessToken));
    expectOneLineFailure(await admin(env, 'users', 'disable', 'nobody@example.com'), /No user/);
  });

  it('revokes every session of an account at once', async () => {
    const first = await server.login(bob);
    const second = await server.login(bob);
    const result = await admin(env, 'users', 'revoke-sessions', bob);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Revoked [2-9]\\d* sessions of ${bob}$`));
    for (const session of [first, second])
      expect(errorOf(await me(session.accessToken)).data.code).toBe('UNAUTHORIZED');
    dataOf(await me((await server.login(bob)).accessToken));
  });

  it('deletes an account: its tokens are refused and the email registers again as a new user', async () => {
    const before = dataOf<Outputs['users']['me']>(await me((await server.login(bob)).accessToken)).user;
    const session = await server.login(bob);
    expect(await admin(env, 'users', 'delete', bob)).toMatchObject({ code: 0, stdout: `Deleted ${bob}` });
    expect(errorOf(await me(session.accessToken)).data.code).toBe('UNAUTHORIZED');
    expectOneLineFailure(await admin(env, 'users', 'show', bob), /No user/);
    const again = await server.register(bob);
    expect(again.user.id).not.toBe(before.id);
    expectOneLineFailure(await admin(env, 'users', 'delete', 'nobody@example.com'), /No user/);
  });
});
