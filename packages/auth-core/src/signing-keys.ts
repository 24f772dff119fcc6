/**
 * ES256 signing keys: reading them from PEM, their `kid`, and the public JWK set other
 * services verify tokens with. Keys are made into `KeyObject`s once, when read.
 *
 * The `kid` is the RFC 7638 thumbprint of the public JWK, computed from the key itself, so
 * every instance and every restart names a key alike. It is written here on node:crypto
 * (a SHA-256 over the four required members in lexical order): the libraries that have it
 * (jose) compute it asynchronously, and the signer is synchronous. The test checks it
 * against jose's own `calculateJwkThumbprint`.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'HS256' | 'ES256';
export const jwtAlgorithms: readonly JwtAlgorithm[] = ['HS256', 'ES256'];

/** One public key as the JWK set publishes it. */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** A verification key with its id; the algorithm is fixed by the key's type, never by a token. */
export interface VerificationKey {
  kid: string;
  algorithm: 'ES256';
  key: KeyObject;
}

/** The public half (createPublicKey takes only a private KeyObject, or key material). */
const publicHalf = (key: KeyObject): KeyObject => (key.type === 'public' ? key : createPublicKey(key));

/** ES256 is ECDSA on P-256 (OpenSSL's `prime256v1`); any other key is refused. */
function assertP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('must be an EC P-256 key (ES256)');
  }
}

/** Environment values often carry their newlines escaped as `\n`. */
const unescapeNewlines = (pem: string) => pem.replace(/\\n/g, '\n').trim();

/** A PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`) on P-256; throws a one-line problem otherwise. */
export function readPrivateSigningKey(pem: string): KeyObject {
  const text = unescapeNewlines(pem);
  if (!/^-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----$/.test(text)) {
    throw new Error('must be a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new Error('is not a readable PKCS#8 PEM private key');
  }
  assertP256(key);
  return key;
}

/** One or more SPKI PEM public keys, concatenated (whitespace between them is ignored). */
export function readPublicSigningKeys(pems: string): KeyObject[] {
  const text = unescapeNewlines(pems);
  if (text === '') return [];
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0 || text.replace(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g, '').trim()) {
    throw new Error('must be one or more SPKI PEM public keys (-----BEGIN PUBLIC KEY-----), concatenated');
  }
  return blocks.map((block, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block, format: 'pem' });
    } catch {
      throw new Error(`key ${index + 1} is not a readable SPKI PEM public key`);
    }
    assertP256(key);
    return key;
  });
}

/** A new ES256 private key as PKCS#8 PEM (development's data folder, `admin keys generate`). */
export function generateSigningKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

/** The public half of a key, as SPKI PEM (what goes into `JWT_RETIRED_PUBLIC_KEYS`). */
export function publicKeyPem(key: KeyObject): string {
  return publicHalf(key).export({ format: 'pem', type: 'spki' }).toString();
}

/** The public JWK of an EC key (private or public), with its RFC 7638 thumbprint as `kid`. */
export function publicJwk(key: KeyObject): PublicJwk {
  const { crv, x, y } = publicHalf(key).export({ format: 'jwk' });
  if (crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') throw new Error('not an EC P-256 key');
  // RFC 7638: the required members only, in lexical order, no whitespace.
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'EC', x, y }))
    .digest('base64url');
  return { kty: 'EC', crv, x, y, kid, alg: 'ES256', use: 'sig' };
}

/** The keys a verifier knows: the current one first, then the retired ones (duplicates dropped). */
export function verificationKeys(current: KeyObject, retired: readonly KeyObject[]): VerificationKey[] {
  const keys = new Map<string, VerificationKey>();
  for (const key of [current, ...retired]) {
    const publicKey = publicHalf(key);
    const { kid } = publicJwk(publicKey);
    if (!keys.has(kid)) keys.set(kid, { kid, algorithm: 'ES256', key: publicKey });
  }
  return [...keys.values()];
}
