/**
 * The security log: what happened to an account (sign-ins, password changes, sessions
 * ended…) and where the call came from. Services record through `record`, passing the
 * transaction's repositories when the change runs in one, so the event commits with it.
 */
import type { Clock } from './clock.js';
import type { Repositories, SecurityEventRepository } from './repositories/types.js';

export type SecurityEventType =
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'password_changed'
  | 'password_reset'
  | 'email_verified'
  | 'email_changed'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'session_revoked'
  | 'refresh_reuse_detected'
  /** Anonymous: kept, with no user, address or user agent, after the account's own events are gone. */
  | 'account_deleted';

/** Where the call that caused an event comes from. */
export interface EventClient {
  ip?: string | null;
  userAgent?: string | null;
}

export interface SecurityEventRecorder {
  record(userId: string, type: SecurityEventType, via?: Pick<Repositories, 'securityEvents'>): Promise<void>;
  /** An event of no account: only its type and time (see `account_deleted`). */
  recordAnonymous(type: SecurityEventType, via: Pick<Repositories, 'securityEvents'>): Promise<void>;
}

export function createSecurityEventRecorder(options: {
  events: () => SecurityEventRepository;
  clock: Clock;
  client: EventClient;
}): SecurityEventRecorder {
  const { events, clock, client } = options;
  return {
    record: (userId, type, via) =>
      (via ? via.securityEvents : events()).record({
        userId,
        type,
        at: clock.now(),
        ip: client.ip?.slice(0, 64) ?? null,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
      }),
    recordAnonymous: (type, via) =>
      via.securityEvents.record({ userId: null, type, at: clock.now(), ip: null, userAgent: null }),
  };
}

/** How long events are kept unless configured otherwise: 90 days. */
export const defaultAuditRetentionMs = 90 * 86_400_000;
