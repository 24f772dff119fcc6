import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecretToken, hashSecretToken } from './secrets.js';

describe('emailed secrets', () => {
  it('are 32 random bytes in base64url, safe in a URL as they are', () => {
    const token = generateSecretToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateSecretToken));
    expect(tokens.size).toBe(1000);
  });

  it('are stored as their SHA-256 in hex, which does not contain the secret', () => {
    const token = generateSecretToken();
    const hash = hashSecretToken(token);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
    expect(hashSecretToken(token)).toBe(hash);
    expect(hashSecretToken(generateSecretToken())).not.toBe(hash);
  });
});
