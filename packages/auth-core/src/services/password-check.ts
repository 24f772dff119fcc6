/** The account's password, checked where a signed-in user must give it again. */
import type { AccountBackoff } from '../account-backoff.js';
import { AuthError } from '../errors.js';
import type { PasswordHasher } from '../passwords.js';
import type { UserRepository } from '../repositories/types.js';

export interface PasswordCheckDependencies {
  users: Pick<UserRepository, 'findPasswordHash'>;
  passwords: PasswordHasher;
  backoff: AccountBackoff;
}

/**
 * Checks the user's password under the account's backoff (a stolen access token must not
 * buy more guesses than login allows); a wrong one is BAD_REQUEST on `field`.
 */
export async function requirePassword(
  { users, passwords, backoff }: PasswordCheckDependencies,
  user: { id: string; email: string },
  password: string,
  field: string,
): Promise<void> {
  const valid = await backoff.guard(user.email, async () => {
    const storedHash = await users.findPasswordHash(user.id);
    return storedHash ? passwords.verify(password, storedHash) : false;
  });
  if (!valid) {
    const message = field === 'currentPassword' ? 'Current password is incorrect' : 'Password is incorrect';
    throw new AuthError('CURRENT_PASSWORD_INVALID', { message, fieldErrors: { [field]: [message] } });
  }
}
