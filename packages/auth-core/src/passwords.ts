/**
 * Password hashing. bcrypt reads only the first 72 bytes of its input, so a long
 * password would be silently truncated; we pre-hash: bcrypt(base64(sha256(nfc(password)))).
 * base64 keeps NUL bytes away from bcrypt and the 44-character digest is under 72 bytes.
 * Passwords are normalised to NFC (so the same visible text typed on two keyboards
 * matches) and otherwise compared exactly: no trimming, no case folding.
 *
 * Stored hashes carry a scheme marker (`$kw1$` + the bcrypt hash) so the scheme can
 * change later; `needsRehash` tells the login path when to upgrade a hash.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';

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

function prehash(password: string): string {
  return createHash('sha256').update(password.normalize('NFC'), 'utf8').digest('base64');
}

export async function createPasswordHasher({ cost }: { cost: number }): Promise<PasswordHasher> {
  const hash = async (password: string) => schemePrefix + (await bcrypt.hash(prehash(password), cost));
  const dummyHash = await hash(`dummy-${Math.random()}`);

  const verify = async (password: string, storedHash: string) => {
    if (!storedHash.startsWith(schemePrefix)) return false;
    return bcrypt.compare(prehash(password), storedHash.slice(schemePrefix.length));
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
