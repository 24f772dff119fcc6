import bcrypt from 'bcrypt';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from './passwords.js';

const cost = 4;
let hasher: PasswordHasher;

beforeAll(async () => {
  hasher = await createPasswordHasher({ cost });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('password hashing', () => {
  it('verifies the password it hashed and refuses another', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', stored)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', stored)).toBe(false);
  });

  it('stores a marked bcrypt hash at the configured cost, never the password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$kw1\$\$2b\$04\$/);
    expect(stored).not.toContain('correct horse');
    expect(stored.length).toBeLessThanOrEqual(100); // the column's width
  });

  it('salts every hash, so one password never hashes the same twice', async () => {
    expect(await hasher.hash('same password here')).not.toBe(await hasher.hash('same password here'));
  });

  it('refuses a password that differs from the stored one only after byte 72', async () => {
    const prefix = 'a'.repeat(72);
    const stored = await hasher.hash(`${prefix}-first`);
    // Plain bcrypt would accept it: it reads only the first 72 bytes.
    expect(await bcrypt.compare(`${prefix}-second`, await bcrypt.hash(`${prefix}-first`, cost))).toBe(true);
    expect(await hasher.verify(`${prefix}-second`, stored)).toBe(false);
    expect(await hasher.verify(`${prefix}-first`, stored)).toBe(true);
  });

  it('refuses long multi-byte passwords that differ only after byte 72', async () => {
    const prefix = 'é'.repeat(36); // 72 bytes of UTF-8
    const stored = await hasher.hash(`${prefix}ü`);
    expect(await hasher.verify(`${prefix}ö`, stored)).toBe(false);
    expect(await hasher.verify(`${prefix}ü`, stored)).toBe(true);
  });

  it('refuses passwords that differ only after a NUL character', async () => {
    const stored = await hasher.hash('before\0after-one');
    expect(await hasher.verify('before\0after-two', stored)).toBe(false);
    expect(await hasher.verify('before', stored)).toBe(false);
  });

  it('refuses a lone surrogate: never hashed, never verified (UTF-8 would make it U+FFFD)', async () => {
    const stored = await hasher.hash('plum-orbit-\ufffd');
    for (const lone of ['plum-orbit-\ud800', 'plum-orbit-\udc00', 'plum-orbit-\udbff']) {
      await expect(hasher.hash(lone)).rejects.toThrow('not well-formed');
      expect(await hasher.verify(lone, stored)).toBe(false);
    }
    expect(await hasher.verify('plum-orbit-\ufffd', stored)).toBe(true);
  });

  it('accepts any Unicode: emoji, CJK, right-to-left scripts', async () => {
    for (const password of ['🔑🗝️🔐 open sesame', '正しい馬の電池のホチキス', 'كلمة سر طويلة جدا']) {
      const stored = await hasher.hash(password);
      expect(await hasher.verify(password, stored)).toBe(true);
      expect(await hasher.verify(`${password}x`, stored)).toBe(false);
    }
  });

  it('treats composed and decomposed forms of the same text as one password (NFC)', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    expect(composed).not.toBe(decomposed);
    expect(await hasher.verify(decomposed, await hasher.hash(composed))).toBe(true);
    expect(await hasher.verify(composed, await hasher.hash(decomposed))).toBe(true);
  });

  it('does not apply compatibility folding (NFKC): a ligature is not its letters', async () => {
    expect(await hasher.verify('ﬁnal answer 42', await hasher.hash('final answer 42'))).toBe(false);
  });

  it('compares exactly what was typed: no trimming, no case folding', async () => {
    const stored = await hasher.hash('Secret Phrase 9');
    expect(await hasher.verify('secret phrase 9', stored)).toBe(false);
    expect(await hasher.verify('Secret Phrase 9 ', stored)).toBe(false);
    expect(await hasher.verify(' Secret Phrase 9', stored)).toBe(false);
  });

  it('refuses a stored hash without the scheme marker', async () => {
    const plainBcrypt = await bcrypt.hash('correct horse battery staple', cost);
    expect(await hasher.verify('correct horse battery staple', plainBcrypt)).toBe(false);
  });
});

describe('needsRehash', () => {
  it('is false for a hash of the current scheme and cost', async () => {
    expect(hasher.needsRehash(await hasher.hash('correct horse battery staple'))).toBe(false);
  });

  it('is true when the configured cost changed', async () => {
    const stronger = await createPasswordHasher({ cost: 5 });
    const stored = await hasher.hash('correct horse battery staple');
    expect(stronger.needsRehash(stored)).toBe(true);
    expect(stronger.needsRehash(await stronger.hash('correct horse battery staple'))).toBe(false);
  });

  it('is true for a hash of another scheme', async () => {
    expect(hasher.needsRehash(await bcrypt.hash('correct horse battery staple', cost))).toBe(true);
  });
});

describe('verifyDummy', () => {
  it('answers false whatever the password', async () => {
    expect(await hasher.verifyDummy('anything at all')).toBe(false);
    expect(await hasher.verifyDummy('')).toBe(false);
  });

  it('runs one real bcrypt comparison at the configured cost, as a real check would', async () => {
    const compare = vi.spyOn(bcrypt, 'compare');
    await hasher.verifyDummy('whatever the attacker typed');
    expect(compare).toHaveBeenCalledTimes(1);
    const dummyHash = compare.mock.calls[0]?.[1];
    expect(typeof dummyHash).toBe('string');
    expect(bcrypt.getRounds(dummyHash as string)).toBe(cost);
  });
});
