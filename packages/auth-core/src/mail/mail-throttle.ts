/**
 * Mail throttled per address: the flows a caller can repeat (resending a verification link,
 * asking for a password reset, asking for an email change) send at most a few messages an
 * hour to one address, so Keyway cannot be used to flood someone's mailbox. The counting
 * store is the host's (the API's rate-limit store: memory, or Redis shared by every instance).
 */

/**
 * The counts, each with its own limit of the same size. `address`: mail to an account's own
 * address (verification, reset, the owner's notice). Email-change links have counts of
 * their own, per new address (`change-address`) and per requesting account
 * (`change-account`): a request to someone else's address sends them nothing, so it must
 * not use up the mail that address's owner may need (a reset link), and one account cannot
 * spray links at many addresses.
 */
export type MailCount = 'address' | 'change-address' | 'change-account';

export interface MailThrottle {
  /** Counts one message for `key` (an address, or for `change-account` a user id); false when over the limit (send nothing). */
  allow(key: string, count?: MailCount): Promise<boolean>;
}

/** No limit: for tools and tests that do not exercise it. */
export const unlimitedMail: MailThrottle = { allow: async () => true };
