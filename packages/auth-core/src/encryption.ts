/**
 * Encryption of data at rest (TOTP secrets) under `DATA_ENCRYPTION_KEY`: AES-256-GCM with a
 * key derived through HKDF-SHA-256 under a fixed label, so the operator's key is never used
 * raw and the same key could serve another purpose under another label. Every ciphertext is
 * stored beside the id of the key that made it, so the key can rotate later: decrypt looks
 * the id up among the known keys, encrypt always uses the first (current) one.
 *
 * Written on node:crypto rather than a library: the whole construction is the standard one
 * (random 96-bit IV, 128-bit tag, associated data binding the value to its row) in a dozen lines.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Bytes of a data-encryption key. */
export const dataEncryptionKeyBytes = 32;

const encryptionLabel = 'keyway data encryption v1: aes-256-gcm';
const keyIdLabel = 'keyway data encryption v1: key id';
const ivBytes = 12;
const tagBytes = 16;

/** A value as stored: the ciphertext (base64url of IV, ciphertext and tag) and its key's id. */
export interface EncryptedValue {
  keyId: string;
  ciphertext: string;
}

export interface DataCipher {
  /** The id of the key new values are encrypted under. */
  readonly currentKeyId: string;
  /** `context` (e.g. the row's owner) is authenticated, not stored: a value moved to another row does not decrypt. */
  encrypt(plaintext: string, context: string): EncryptedValue;
  /** The plaintext, or null when the key is unknown or the value or context was tampered with. */
  decrypt(value: EncryptedValue, context: string): string | null;
}

/**
 * A key given as base64 or base64url text (padded or not); null unless it is exactly
 * 32 bytes written in one of those alphabets.
 */
export function parseDataEncryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const standard = trimmed.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const key = Buffer.from(standard, 'base64');
  // Node's decoder skips what it cannot read; re-encoding proves every character counted.
  if (key.length !== dataEncryptionKeyBytes || key.toString('base64').replace(/=+$/, '') !== standard) return null;
  return key;
}

/** A new random key, as base64url text (what development writes into the data folder). */
export function generateDataEncryptionKey(): string {
  return randomBytes(dataEncryptionKeyBytes).toString('base64url');
}

interface DerivedKey {
  id: string;
  key: Buffer;
}

function derive(master: Buffer): DerivedKey {
  if (master.length !== dataEncryptionKeyBytes) {
    throw new Error(`A data-encryption key must be ${dataEncryptionKeyBytes} bytes`);
  }
  const salt = Buffer.alloc(0);
  return {
    // A label of its own: the id says which key, and nothing about the encryption key.
    id: Buffer.from(hkdfSync('sha256', master, salt, keyIdLabel, 8)).toString('hex'),
    key: Buffer.from(hkdfSync('sha256', master, salt, encryptionLabel, 32)),
  };
}

/** `keys[0]` encrypts; every key in the list decrypts (a retired key stays here until re-encrypted away). */
export function createDataCipher(keys: readonly Buffer[]): DataCipher {
  const derived = keys.map(derive);
  const current = derived[0];
  if (!current) throw new Error('createDataCipher needs at least one key');
  const byId = new Map(derived.map((entry) => [entry.id, entry.key]));

  return {
    currentKeyId: current.id,

    encrypt(plaintext, context) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId: current.id, ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url') };
    },

    decrypt({ keyId, ciphertext }, context) {
      const key = byId.get(keyId);
      if (!key) return null;
      const raw = Buffer.from(ciphertext, 'base64url');
      if (raw.length < ivBytes + tagBytes) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, ivBytes), { authTagLength: tagBytes });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(raw.length - tagBytes));
        return Buffer.concat([
          decipher.update(raw.subarray(ivBytes, raw.length - tagBytes)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}
