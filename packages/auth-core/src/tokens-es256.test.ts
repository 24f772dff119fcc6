import {
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as signWith,
  verify as verifyWith,
} from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import jwt from 'jsonwebtoken';
import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from './clock.js';
import {
  generateSigningKeyPem,
  publicJwk,
  publicKeyPem,
  readPrivateSigningKey,
  readPublicSigningKeys,
} from './signing-keys.js';
import {
  testTokenConfig as base,
  base64url,
  forgeHmac as hmac,
  testTokenSecret as secret,
  testSubject as subject,
  tokenTestStart,
  validAccessClaims,
} from './testing/tokens.js';
import { createTokenSigner } from './tokens.js';

const keyA = readPrivateSigningKey(generateSigningKeyPem());
const keyB = readPrivateSigningKey(generateSigningKeyPem());
const publicA = createPublicKey(keyA);

const decodePart = (token: string, index: number) =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString());

let clock: ReturnType<typeof createManualClock>;
let now: number;
beforeEach(() => {
  clock = createManualClock(tokenTestStart);
  now = Math.floor(clock.now().getTime() / 1000);
});

const es256 = (privateKey: KeyObject, retiredPublicKeys: KeyObject[] = []) =>
  createTokenSigner({ ...base, algorithm: 'ES256', privateKey, retiredPublicKeys }, clock);

const claims = (overrides: object = {}) => validAccessClaims(now, overrides);

/** An ES256 JWT put together by hand with node:crypto: any header, any payload, any P-256 key. */
function forgeEs256(header: object, payload: object, key: KeyObject): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  const signature = signWith('sha256', Buffer.from(unsigned), { key, dsaEncoding: 'ieee-p1363' });
  return `${unsigned}.${signature.toString('base64url')}`;
}

describe('ES256 keys', () => {
  it('names a key by its RFC 7638 thumbprint, the same as jose computes, whichever half it is given', async () => {
    const jwk = publicJwk(keyA);
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256'));
    expect(publicJwk(publicA)).toEqual(jwk);
    expect(publicJwk(readPublicSigningKeys(publicKeyPem(keyA))[0] as KeyObject)).toEqual(jwk);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(publicJwk(keyB).kid).not.toBe(jwk.kid);
  });

  it('reads a PKCS#8 P-256 key, also with its newlines escaped as in an environment value', () => {
    const pem = generateSigningKeyPem();
    expect(publicJwk(readPrivateSigningKey(pem.replace(/\n/g, '\\n'))).kid).toBe(
      publicJwk(readPrivateSigningKey(pem)).kid,
    );
  });

  it('refuses keys that cannot sign ES256: RSA, another curve, SEC1 instead of PKCS#8, garbage, a public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(() => readPrivateSigningKey(rsa.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(/P-256/);
    expect(() => readPrivateSigningKey(p384.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(/P-256/);
    expect(() => readPrivateSigningKey(keyA.export({ format: 'pem', type: 'sec1' }).toString())).toThrow(/PKCS#8/);
    expect(() => readPrivateSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toThrow(
      /not a readable/,
    );
    expect(() => readPrivateSigningKey(publicKeyPem(keyA))).toThrow(/PKCS#8/);
  });

  it('reads concatenated public keys and refuses anything else among them', () => {
    const both = `${publicKeyPem(keyA)}\n${publicKeyPem(keyB)}`;
    expect(readPublicSigningKeys(both).map((key) => publicJwk(key).kid)).toEqual([
      publicJwk(keyA).kid,
      publicJwk(keyB).kid,
    ]);
    expect(readPublicSigningKeys('  ')).toEqual([]);
    expect(() => readPublicSigningKeys(`${publicKeyPem(keyA)}junk`)).toThrow(/SPKI/);
    expect(() => readPublicSigningKeys('not a key')).toThrow(/SPKI/);
    expect(() => readPublicSigningKeys('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow(
      /key 1 is not a readable/,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(() => readPublicSigningKeys(rsa.export({ format: 'pem', type: 'spki' }).toString())).toThrow(/P-256/);
  });
});

describe('ES256 signing', () => {
  it('cannot be set up without a private key', () => {
    expect(() => createTokenSigner({ ...base, algorithm: 'ES256' }, clock)).toThrow(/private key/);
  });

  it('signs access and refresh tokens ES256 with the key id in the header, verifiable by node:crypto', () => {
    const signer = es256(keyA);
    for (const type of ['access', 'refresh'] as const) {
      const { token } = signer.sign(type, subject);
      expect(decodePart(token, 0)).toEqual({ alg: 'ES256', typ: 'JWT', kid: publicJwk(keyA).kid });
      expect(decodePart(token, 1)).toMatchObject({ typ: type, iss: 'keyway', aud: 'keyway' });
      const [header, payload, signature] = token.split('.');
      const valid = verifyWith(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: publicA, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature ?? '', 'base64url'),
      );
      expect(valid).toBe(true);
      expect(signer.verify(token, type)).toMatchObject({ sub: subject.userId, typ: type });
    }
  });

  it('publishes the public keys, the current first, and nothing private', () => {
    const { keys } = es256(keyB, [publicA]).jwks();
    expect(keys.map((key) => key.kid)).toEqual([publicJwk(keyB).kid, publicJwk(keyA).kid]);
    for (const key of keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(createTokenSigner(base, clock).jwks()).toEqual({ keys: [] });
  });

  it('still needs the token type, issuer, audience and expiry', () => {
    const signer = es256(keyA);
    const header = { alg: 'ES256', typ: 'JWT', kid: publicJwk(keyA).kid };
    expect(signer.verify(forgeEs256(header, claims(), keyA), 'access')).not.toBeNull();
    expect(signer.verify(forgeEs256(header, claims(), keyA), 'refresh')).toBeNull();
    expect(signer.verify(forgeEs256(header, claims({ iss: 'other' }), keyA), 'access')).toBeNull();
    expect(signer.verify(forgeEs256(header, claims({ aud: 'other' }), keyA), 'access')).toBeNull();
    expect(signer.verify(forgeEs256(header, claims({ exp: now - 1 }), keyA), 'access')).toBeNull();
  });
});

describe('ES256 rotation', () => {
  it('accepts a retired key’s tokens, signs only with the current key, and forgets a removed key', () => {
    const before = es256(keyA).sign('refresh', subject).token;
    const rotated = es256(keyB, [publicA]);
    expect(rotated.verify(before, 'refresh')).not.toBeNull();
    expect(decodePart(rotated.sign('access', subject).token, 0).kid).toBe(publicJwk(keyB).kid);
    expect(es256(keyB).verify(before, 'refresh')).toBeNull();
  });
});

describe('algorithm confusion', () => {
  const kidA = publicJwk(keyA).kid;

  it('refuses an HS256 token signed with the public key (PEM or JWK text) as the secret', () => {
    const signer = es256(keyA);
    for (const asSecret of [publicKeyPem(keyA), publicKeyPem(keyA).trim(), JSON.stringify(publicJwk(keyA))]) {
      for (const header of [
        { alg: 'HS256', typ: 'JWT', kid: kidA },
        { alg: 'HS256', typ: 'JWT' },
      ]) {
        expect(signer.verify(hmac(header, claims(), asSecret), 'access')).toBeNull();
      }
    }
  });

  it('refuses alg none, with or without a known kid', () => {
    const signer = es256(keyA);
    for (const alg of ['none', 'None']) {
      const token = `${base64url({ alg, kid: kidA })}.${base64url(claims())}.`;
      expect(signer.verify(token, 'access')).toBeNull();
    }
  });

  it('refuses a kid swap: a token of one known key relabelled with the other’s kid', () => {
    const signer = es256(keyB, [publicA]);
    const swapped = forgeEs256({ alg: 'ES256', typ: 'JWT', kid: publicJwk(keyB).kid }, claims(), keyA);
    expect(signer.verify(swapped, 'access')).toBeNull();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(signer.verify(forgeEs256({ alg: 'ES256', kid: kidA }, claims(), attacker), 'access')).toBeNull();
  });

  it('refuses tokens that name no known key: no kid, an unknown kid, a kid of the wrong type', () => {
    const signer = es256(keyA);
    expect(signer.verify(forgeEs256({ alg: 'ES256', typ: 'JWT' }, claims(), keyA), 'access')).toBeNull();
    expect(signer.verify(forgeEs256({ alg: 'ES256', kid: 'unknown' }, claims(), keyA), 'access')).toBeNull();
    expect(signer.verify(forgeEs256({ alg: 'ES256', kid: [kidA] }, claims(), keyA), 'access')).toBeNull();
    for (const garbage of ['', '.', 'x.y.z', `${base64url('{')}.e30.x`, `${base64url('null')}.e30.x`]) {
      expect(signer.verify(garbage, 'access'), garbage).toBeNull();
    }
  });

  it('refuses an ES256 token in HS256 mode and an HS256 token in ES256 mode', () => {
    const hs = createTokenSigner(base, clock);
    const es = es256(keyA);
    expect(hs.verify(es.sign('access', subject).token, 'access')).toBeNull();
    expect(es.verify(hs.sign('access', subject).token, 'access')).toBeNull();
    expect(es.verify(hmac({ alg: 'HS256', kid: kidA }, claims(), secret), 'access')).toBeNull();
  });

  it('refuses ES384 and ES512 tokens whatever kid they carry', () => {
    const signer = es256(keyA);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(signer.verify(jwt.sign(claims(), p384, { algorithm: 'ES384', keyid: kidA }), 'access')).toBeNull();
  });
});
