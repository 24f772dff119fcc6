import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDataCipher, generateDataEncryptionKey, parseDataEncryptionKey } from './encryption.js';

const key = () => randomBytes(32);

describe('parseDataEncryptionKey', () => {
  it('reads 32 bytes written as base64 or base64url, padded or not', () => {
    const bytes = Buffer.from('fb'.repeat(32), 'hex'); // encodes with + and / in base64
    for (const text of [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64url')}\n`,
    ]) {
      expect(parseDataEncryptionKey(text)?.equals(bytes), text).toBe(true);
    }
    expect(parseDataEncryptionKey(generateDataEncryptionKey())).toHaveLength(32);
  });

  it('refuses anything that is not exactly 32 bytes of base64', () => {
    for (const text of [
      '',
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(64).toString('hex'),
      `${randomBytes(32).toString('base64url').slice(0, 42)}!`,
      `${randomBytes(32).toString('base64url').slice(0, 20)} ${randomBytes(32).toString('base64url').slice(0, 22)}`,
      'é'.repeat(43),
      `${randomBytes(32).toString('base64')}==`,
    ]) {
      expect(parseDataEncryptionKey(text), text).toBeNull();
    }
  });
});

describe('createDataCipher', () => {
  it('round-trips, with a fresh IV every time and the key id beside the ciphertext', () => {
    const cipher = createDataCipher([key()]);
    const first = cipher.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    const second = cipher.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    expect(first.keyId).toBe(cipher.currentKeyId);
    expect(first.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(first.ciphertext).not.toContain('JBSWY3DPEHPK3PXP');
    expect(cipher.decrypt(first, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(cipher.decrypt(second, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses another context, a tampered value, an unknown key id and another key', () => {
    const cipher = createDataCipher([key()]);
    const value = cipher.encrypt('secret', 'user-1');
    expect(cipher.decrypt(value, 'user-2')).toBeNull();
    const raw = Buffer.from(value.ciphertext, 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(cipher.decrypt({ ...value, ciphertext: raw.toString('base64url') }, 'user-1')).toBeNull();
    expect(cipher.decrypt({ ...value, ciphertext: 'c2hvcnQ' }, 'user-1')).toBeNull();
    expect(cipher.decrypt({ ...value, keyId: '0000000000000000' }, 'user-1')).toBeNull();
    const other = createDataCipher([key()]);
    expect(other.currentKeyId).not.toBe(cipher.currentKeyId);
    expect(other.decrypt(value, 'user-1')).toBeNull();
  });

  it('keeps decrypting under a retired key after rotation, and encrypts only under the current one', () => {
    const oldKey = key();
    const newKey = key();
    const before = createDataCipher([oldKey]).encrypt('secret', 'user-1');
    const rotated = createDataCipher([newKey, oldKey]);
    expect(rotated.decrypt(before, 'user-1')).toBe('secret');
    const after = rotated.encrypt('secret', 'user-1');
    expect(after.keyId).not.toBe(before.keyId);
    expect(createDataCipher([oldKey]).decrypt(after, 'user-1')).toBeNull();
    // The id is computed from the key: the same on every instance and after a restart.
    expect(createDataCipher([oldKey]).currentKeyId).toBe(before.keyId);
  });

  it('refuses a key of the wrong size', () => {
    expect(() => createDataCipher([randomBytes(16)])).toThrow(/32 bytes/);
    expect(() => createDataCipher([])).toThrow();
  });
});
