/**
 * Secrets sent by email (reset and verification tokens), in the Lucia style: 32 random
 * bytes, base64url, of which only the SHA-256 is stored. Looking the hash up is the
 * comparison: the database compares digests, never the secret, so its timing reveals
 * nothing useful about the token.
 */
import { createHash, randomBytes } from 'node:crypto';

export function generateSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
