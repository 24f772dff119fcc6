/**
 * Mail throttled per address: the flows a caller can repeat (resending a verification link,
 * asking for a password reset) send at most a few messages an hour to one address, so
 * Keyway cannot be used to flood someone's mailbox. The counting store is the host's (the
 * API's rate-limit store: memory, or Redis shared by every instance).
 */
export interface MailThrottle {
  /** Counts one message to `address`; false when the address is over its limit (send nothing). */
  allow(address: string): Promise<boolean>;
}

/** No limit: for tools and tests that do not exercise it. */
export const unlimitedMail: MailThrottle = { allow: async () => true };
