/**
 * Password hashing. bcrypt reads only the first 72 bytes of its input, so a long
 * password would be silently truncated; we pre-hash: bcrypt(base64(sha256(nfc(password)))).
 * base64 keeps NUL bytes away from bcrypt and the 44-character digest is under 72 bytes.
 * Passwords are normalised to NFC (so the same visible text typed on two keyboards
 * matches) and otherwise compared exactly: no trimming, no case folding.
 *
 * Stored hashes carry a scheme marker (`$kw1$` + the bcrypt hash) so the scheme can
 * change later; `needsRehash` tells the login path when to upgrade a hash.
 *
 * bcrypt runs on libuv's thread pool, which SQLite queries and file I/O share. At most
 * `concurrency` hashes (default: one per core) run at once, so a burst of logins can use
 * every core but never every pool thread: an authenticated call's query still finds a free
 * thread instead of queueing behind a dozen 200 ms hashes. More in flight would not hash
 * faster anyway; the cores bound the rate.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import { isWellFormed } from './password-policy.js';

const schemePrefix = '$kw1$';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, storedHash: string): Promise<boolean>;
  needsRehash(storedHash: string): boolean;
  /**
   * Spends the same time as `verify` against a real hash and returns false: used when the
   * account does not exist, so the answer's timing does not reveal that.
   */
  verifyDummy(password: string): Promise<false>;
}

/** Throws on a lone surrogate: UTF-8 would make it U+FFFD, so two inputs would hash alike. */
function prehash(password: string): string {
  if (!isWellFormed(password)) throw new Error('Password is not well-formed Unicode');
  return createHash('sha256').update(password.normalize('NFC'), 'utf8').digest('base64');
}

/** A counting semaphore: runs at most `limit` tasks at once, the rest in arrival order. */
function createLimiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export async function createPasswordHasher({
  cost,
  concurrency = availableParallelism(),
}: {
  cost: number;
  concurrency?: number;
}): Promise<PasswordHasher> {
  const limit = createLimiter(Math.max(1, concurrency));
  const hash = async (password: string) => schemePrefix + (await limit(() => bcrypt.hash(prehash(password), cost)));
  const dummyHash = await hash(`dummy-${Math.random()}`);

  // A password that is not well-formed Unicode was never hashed, so it never verifies.
  const verify = async (password: string, storedHash: string) => {
    if (!storedHash.startsWith(schemePrefix) || !isWellFormed(password)) return false;
    return limit(() => bcrypt.compare(prehash(password), storedHash.slice(schemePrefix.length)));
  };

  return {
    hash,
    verify,
    needsRehash: (storedHash) =>
      !storedHash.startsWith(schemePrefix) || bcrypt.getRounds(storedHash.slice(schemePrefix.length)) !== cost,
    verifyDummy: async (password) => {
      await verify(password, dummyHash);
      return false;
    },
  };
}
