import { generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from './clock.js';
import {
  base64url,
  testTokenConfig as config,
  forgeHmac as forge,
  testTokenSecret as secret,
  testSubject as subject,
  tokenTestStart,
  validAccessClaims,
} from './testing/tokens.js';
import { createTokenSigner, type TokenSigner } from './tokens.js';

let clock: ReturnType<typeof createManualClock>;
let signer: TokenSigner;
let now: number;

/** The claims of a valid access token, to be tampered with. */
const validClaims = (overrides: object = {}) => validAccessClaims(now, overrides);

beforeEach(() => {
  clock = createManualClock(tokenTestStart);
  now = Math.floor(clock.now().getTime() / 1000);
  signer = createTokenSigner(config, clock);
});

describe('signing', () => {
  it('issues an HS256 JWT with sub, sid, jti, typ, iat, exp, iss and aud', () => {
    const { token, jti, expiresAt } = signer.sign('access', subject);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({
      sub: subject.userId,
      sid: subject.sessionId,
      jti,
      typ: 'access',
      iat: now,
      exp: now + 900,
      iss: 'keyway',
      aud: 'keyway',
    });
    expect(expiresAt).toEqual(new Date((now + 900) * 1000));
  });

  it('gives each token type its own lifetime', () => {
    expect(signer.sign('refresh', subject).expiresAt).toEqual(new Date((now + 30 * 86_400) * 1000));
  });

  it('uses the jti and expiry it is given', () => {
    const jti = randomUUID();
    const expiresAt = new Date((now + 60) * 1000);
    const signed = signer.sign('refresh', { ...subject, jti, expiresAt });
    expect(signed.jti).toBe(jti);
    expect(signer.verify(signed.token, 'refresh')).toMatchObject({ jti, exp: now + 60 });
  });

  it('gives every token a fresh jti', () => {
    expect(signer.sign('access', subject).jti).not.toBe(signer.sign('access', subject).jti);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => createTokenSigner({ ...config, secret: 'x'.repeat(31) }, clock)).toThrow(/at least 32 bytes/);
    expect(() => createTokenSigner({ ...config, secret: Buffer.alloc(32, 7) }, clock)).not.toThrow();
  });
});

describe('verification', () => {
  it('returns the claims of a valid token of the expected type', () => {
    const { token, jti } = signer.sign('access', subject);
    expect(signer.verify(token, 'access')).toMatchObject({
      sub: subject.userId,
      sid: subject.sessionId,
      jti,
      typ: 'access',
    });
  });

  it('accepts a hand-made token signed correctly (the forging helper itself is sound)', () => {
    expect(signer.verify(forge({ alg: 'HS256', typ: 'JWT' }, validClaims()), 'access')).not.toBeNull();
  });

  it('refuses alg "none", whatever the spelling', () => {
    for (const alg of ['none', 'None', 'NONE']) {
      expect(signer.verify(forge({ alg, typ: 'JWT' }, validClaims(), null), 'access'), alg).toBeNull();
    }
  });

  it('refuses HS384 and HS512 even when signed with the right secret', () => {
    expect(signer.verify(forge({ alg: 'HS384', typ: 'JWT' }, validClaims(), secret, 'sha384'), 'access')).toBeNull();
    expect(signer.verify(forge({ alg: 'HS512', typ: 'JWT' }, validClaims(), secret, 'sha512'), 'access')).toBeNull();
    const viaLibrary = jwt.sign(validClaims(), secret, { algorithm: 'HS512' });
    expect(signer.verify(viaLibrary, 'access')).toBeNull();
  });

  it('refuses RS256, including a token that claims RS256 but carries an HMAC', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(signer.verify(jwt.sign(validClaims(), privateKey, { algorithm: 'RS256' }), 'access')).toBeNull();
    expect(signer.verify(forge({ alg: 'RS256', typ: 'JWT' }, validClaims()), 'access')).toBeNull();
  });

  it('refuses a token signed with another secret', () => {
    const other = createTokenSigner({ ...config, secret: 'another-secret-that-is-long-enough-987654' }, clock);
    expect(signer.verify(other.sign('access', subject).token, 'access')).toBeNull();
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [header, , signature] = signer.sign('access', subject).token.split('.');
    const tampered = `${header}.${base64url(validClaims({ sub: randomUUID() }))}.${signature}`;
    expect(signer.verify(tampered, 'access')).toBeNull();
  });

  it('refuses a wrong or missing issuer', () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    expect(signer.verify(forge(header, validClaims({ iss: 'someone-else' })), 'access')).toBeNull();
    const { iss: _, ...withoutIssuer } = validClaims();
    expect(signer.verify(forge(header, withoutIssuer), 'access')).toBeNull();
    const otherIssuer = createTokenSigner({ ...config, issuer: 'other' }, clock);
    expect(signer.verify(otherIssuer.sign('access', subject).token, 'access')).toBeNull();
  });

  it('refuses a wrong or missing audience', () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    expect(signer.verify(forge(header, validClaims({ aud: 'another-app' })), 'access')).toBeNull();
    const { aud: _, ...withoutAudience } = validClaims();
    expect(signer.verify(forge(header, withoutAudience), 'access')).toBeNull();
    const otherAudience = createTokenSigner({ ...config, audience: 'other' }, clock);
    expect(signer.verify(otherAudience.sign('access', subject).token, 'access')).toBeNull();
  });

  it('refuses an expired token, by the injected clock', () => {
    const { token } = signer.sign('access', subject);
    clock.advance(899 * 1000);
    expect(signer.verify(token, 'access')).not.toBeNull();
    clock.advance(1000);
    expect(signer.verify(token, 'access')).toBeNull();
  });

  it('refuses a token without an expiry', () => {
    const { exp: _, ...withoutExpiry } = validClaims();
    expect(signer.verify(forge({ alg: 'HS256', typ: 'JWT' }, withoutExpiry), 'access')).toBeNull();
  });

  it('refuses a refresh token where an access token is expected, and the reverse', () => {
    const access = signer.sign('access', subject).token;
    const refresh = signer.sign('refresh', subject).token;
    expect(signer.verify(refresh, 'access')).toBeNull();
    expect(signer.verify(access, 'refresh')).toBeNull();
    expect(signer.verify(refresh, 'refresh')).not.toBeNull();
  });

  it('refuses correctly signed tokens that lack our claims', () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    for (const claim of ['sub', 'sid', 'jti', 'typ', 'iat'] as const) {
      const { [claim]: _, ...claims } = validClaims();
      expect(signer.verify(forge(header, claims), 'access'), claim).toBeNull();
    }
    expect(signer.verify(forge(header, validClaims({ typ: 'admin' })), 'access')).toBeNull();
    expect(signer.verify(forge(header, validClaims({ sub: 42 })), 'access')).toBeNull();
  });

  it('refuses garbage without throwing', () => {
    for (const garbage of ['', 'abc', 'a.b.c', '...', 'Bearer x', `${base64url('{')}.${base64url('}')}.x`]) {
      expect(signer.verify(garbage, 'access'), garbage).toBeNull();
    }
    expect(signer.verify(forge({ alg: 'HS256', typ: 'JWT' }, ['not', 'an', 'object']), 'access')).toBeNull();
  });
});
