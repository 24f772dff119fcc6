/**
 * The refresh grace window on real databases (SQLite, and PostgreSQL when it answers): the
 * token a rotation replaced still earns a pair for the current jti within the grace (a lost
 * answer, racing tabs); an older token, or that one after the grace, is reuse.
 */
import type { EntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from './repositories/index.js';
import {
  authErrorCodeOf as codeOf,
  createTestCore,
  expectTokens,
  type TestCore,
  testDialects,
} from './testing/index.js';

const password = 'plum-orbit-cascade';
const graceSeconds = 10;

describe.each(await testDialects())('the refresh grace window on %s', (dialect) => {
  let t: TestCore;
  let withoutGrace: TestCore;
  let counter = 0;

  beforeAll(async () => {
    t = await createTestCore({ dialect, file: true, config: { refreshReuseGraceSeconds: graceSeconds } });
    withoutGrace = await createTestCore({ dialect, config: { refreshReuseGraceSeconds: 0 } });
  });

  afterAll(async () => {
    await t?.close();
    await withoutGrace?.close();
  });

  async function signedIn(core: TestCore = t) {
    const email = `grace${++counter}-${dialect}@example.com`;
    await core.core.forRequest().users.register({ email, password });
    return expectTokens(await core.core.forRequest().auth.login({ email, password }));
  }

  const refresh = (token: string, core: TestCore = t) => core.core.forRequest().auth.refresh(token);
  const authenticate = (token: string) => t.core.forRequest().auth.authenticate(token);
  const claimsOf = (refreshToken: string) => {
    const claims = t.core.tokens.verify(refreshToken, 'refresh');
    if (!claims) throw new Error('not a valid refresh token');
    return claims;
  };
  const storedSession = (id: string) => createRepositories(t.orm.em.fork() as EntityManager).sessions.findById(id);

  it('answers a replay of the token whose answer was lost with a pair for the current jti, writing nothing', async () => {
    const login = await signedIn();
    const { sid } = claimsOf(login.refreshToken);
    const lost = await refresh(login.refreshToken);
    const before = await storedSession(sid);

    t.clock.advance(graceSeconds * 1000);
    const replayed = await refresh(login.refreshToken);

    expect(claimsOf(replayed.refreshToken)).toMatchObject({ sid, jti: claimsOf(lost.refreshToken).jti });
    expect(claimsOf(replayed.refreshToken).exp).toBe(claimsOf(login.refreshToken).exp);
    expect(await storedSession(sid)).toEqual(before);
    await expect(authenticate(replayed.accessToken)).resolves.toMatchObject({ sessionId: sid });
    // The session goes on: the replayed answer's refresh token is the live one.
    const next = await refresh(replayed.refreshToken);
    await expect(authenticate(next.accessToken)).resolves.toMatchObject({ sessionId: sid });
  });

  it('treats a token two rotations old as reuse and revokes the session', async () => {
    const login = await signedIn();
    const second = await refresh(login.refreshToken);
    const third = await refresh(second.refreshToken);

    expect(await codeOf(refresh(login.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await codeOf(authenticate(third.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(refresh(third.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('treats the previous token as reuse once the grace has passed', async () => {
    const login = await signedIn();
    const rotated = await refresh(login.refreshToken);

    t.clock.advance(graceSeconds * 1000 + 1);
    expect(await codeOf(refresh(login.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await codeOf(authenticate(rotated.accessToken))).toBe('TOKEN_INVALID');
    expect(await codeOf(refresh(rotated.refreshToken))).toBe('TOKEN_INVALID');
  });

  it('has no grace when it is set to 0s: any spent token is reuse', async () => {
    const login = await signedIn(withoutGrace);
    const rotated = await refresh(login.refreshToken, withoutGrace);

    expect(await codeOf(refresh(login.refreshToken, withoutGrace))).toBe('REFRESH_TOKEN_REUSED');
    expect(await codeOf(refresh(rotated.refreshToken, withoutGrace))).toBe('TOKEN_INVALID');
  });

  it('lets ten concurrent refreshes of one token all succeed, with one refresh jti live after', async () => {
    const login = await signedIn();
    const { sid } = claimsOf(login.refreshToken);

    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(login.refreshToken)));

    const jtis = new Set(answers.map((answer) => claimsOf(answer.refreshToken).jti));
    expect(jtis.size).toBe(1);
    const [live] = jtis;
    const session = await storedSession(sid);
    expect(session).toMatchObject({ currentRefreshJti: live, previousRefreshJti: claimsOf(login.refreshToken).jti });
    expect(session?.revokedAt).toBeNull();
    for (const answer of answers) await expect(authenticate(answer.accessToken)).resolves.toBeDefined();
    // Every answer carries that one live token: the first to use it rotates the session on.
    const [first] = answers;
    await expect(refresh(first?.refreshToken ?? '')).resolves.toBeDefined();
  });
});
