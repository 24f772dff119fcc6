/**
 * An access token never outlives its session: it is signed to expire no later than the
 * session's absolute expiry, and the authenticated read refuses a session past it (for a
 * token signed before that rule, or by another instance's clock). On real databases.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, type TestHarness } from '../testing.js';

describe.each(await testDialects())('an access token and its session on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect });
  });
  afterAll(() => h.close());

  it('is signed to expire no later than its session, and says so in expiresIn', async () => {
    const short = await createTestHarness({ dialect, config: { refreshTokenTtlSeconds: 60 } });
    try {
      const { session } = await short.loginAs();
      const access = short.core.tokens.verify(session.accessToken, 'access');
      const refresh = short.core.tokens.verify(session.refreshToken, 'refresh');
      expect(access?.exp).toBe(refresh?.exp);
      expect(session.expiresIn).toBe(60);
      // A rotation 50 s later leaves 10 s of session: the new access token gets no more.
      short.clock.advance(50_000);
      const pair = await short.caller().auth.refresh({ refreshToken: session.refreshToken });
      expect(pair.expiresIn).toBe(10);
      expect(short.core.tokens.verify(pair.accessToken, 'access')?.exp).toBe(refresh?.exp);
    } finally {
      await short.close();
    }
  });

  it('keeps the full access lifetime while the session lasts longer', async () => {
    const { session } = await h.loginAs();
    expect(session.expiresIn).toBe(h.config.accessTokenTtlSeconds);
  });

  it('is refused once its session has expired, even if signed to live longer', async () => {
    const { session } = await h.loginAs();
    const claims = h.core.tokens.verify(session.accessToken, 'access');
    const sessionEnds = new Date((h.core.tokens.verify(session.refreshToken, 'refresh')?.exp ?? 0) * 1000);
    // A token of the same session signed to outlive it (as one signed before this rule was).
    const longLived = h.core.tokens.sign('access', {
      userId: session.user.id,
      sessionId: claims?.sid ?? '',
      expiresAt: new Date(sessionEnds.getTime() + 3_600_000),
    }).token;
    await expect(h.caller({ accessToken: longLived }).users.me()).resolves.toBeDefined();
    // The `exp` claim is in whole seconds; the session ends within the second after it.
    const now = h.clock.now();
    h.clock.set(new Date(sessionEnds.getTime() + 1000));
    try {
      expect((await rejectionOf(h.caller({ accessToken: longLived }).users.me())).code).toBe('UNAUTHORIZED');
    } finally {
      h.clock.set(now);
    }
  });
});
