/**
 * `auth.introspect`: how another service asks whether an access token is valid and
 * unrevoked right now — on real databases, and under its own rate-limit rule.
 */
import { testDialects } from '@keyway/auth-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, rejectionOf, signedIn, type TestHarness } from '../testing.js';

describe.each(await testDialects())('auth.introspect on %s', (dialect) => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await createTestHarness({ dialect, rules: { introspectIp: { max: 3, windowSeconds: 60 } } });
  });
  afterAll(() => h.close());

  let ip = 0;
  /** A caller at an address of its own, so the tight rule above counts only what a test sends. */
  const introspect = (token: string) => h.caller({ clientIp: `198.51.100.${++ip}` }).auth.introspect({ token });

  it('describes a valid access token: subject, session and expiry', async () => {
    const { session } = await h.loginAs();
    const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(await introspect(session.accessToken)).toEqual({
      active: true,
      sub: claims.sub,
      sid: claims.sid,
      exp: claims.exp,
    });
  });

  it('answers active:false after logout, after logoutAll, and for a revoked session', async () => {
    const first = await h.loginAs();
    await first.caller.auth.logout({});
    expect(await introspect(first.session.accessToken)).toEqual({ active: false });

    const second = await h.loginAs();
    const sibling = signedIn(await h.caller().auth.login({ email: second.email, password: second.password }));
    await second.caller.auth.logoutAll();
    expect(await introspect(sibling.accessToken)).toEqual({ active: false });
  });

  it('answers active:false for a refresh token, garbage and an expired token, and nothing more', async () => {
    const { session } = await h.loginAs();
    expect(await introspect(session.refreshToken)).toEqual({ active: false });
    expect(await introspect('not.a.token')).toEqual({ active: false });
    expect(await introspect('x')).toEqual({ active: false });
    expect(await introspect('\ud800.\u0000.🔑')).toEqual({ active: false });
    h.clock.advance((h.config.accessTokenTtlSeconds + 1) * 1000);
    expect(await introspect(session.accessToken)).toEqual({ active: false });
  });

  it('refuses ill-typed input with BAD_REQUEST and field errors', async () => {
    for (const input of [{}, { token: '' }, { token: 42 }, { token: 'x'.repeat(5000) }, null]) {
      const error = await rejectionOf(h.caller({ clientIp: `198.51.100.${++ip}` }).auth.introspect(input as never));
      expect(error.code, JSON.stringify(input)).toBe('BAD_REQUEST');
    }
  });

  it('counts calls under its own rule, not the default one', async () => {
    const caller = h.caller({ clientIp: '192.0.2.77' });
    for (let call = 0; call < 3; call++) await caller.auth.introspect({ token: 'x' });
    const refused = await rejectionOf(caller.auth.introspect({ token: 'x' }));
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    // The default rule of the same address is untouched.
    await expect(caller.users.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
