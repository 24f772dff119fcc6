/**
 * A user's sessions (devices): list the live ones, end one, end all but the caller's. An
 * ended session's access and refresh tokens are refused at once, because every
 * authenticated call and every refresh checks the session row.
 */
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { SessionRepository, SessionSummary } from '../repositories/types.js';
import type { SecurityEventRecorder } from '../security-events.js';
import type { Principal } from './auth.service.js';

export interface SessionInfo extends SessionSummary {
  /** The session the call was made with. */
  current: boolean;
}

export interface SessionServiceDependencies {
  sessions: SessionRepository;
  clock: Clock;
  events: SecurityEventRecorder;
}

export function createSessionService({ sessions, clock, events }: SessionServiceDependencies) {
  return {
    /** The caller's live sessions, newest first. */
    async list(principal: Principal): Promise<SessionInfo[]> {
      const live = await sessions.listLive(principal.userId, clock.now());
      return live.map((session) => ({ ...session, current: session.id === principal.sessionId }));
    },

    /**
     * Ends one of the caller's live sessions (the current one too). Anything else, someone
     * else's session included, is SESSION_NOT_FOUND: the answer never tells whether an id
     * exists. `null` stands for an id that cannot be any session's (malformed).
     */
    async revoke(principal: Principal, sessionId: string | null): Promise<void> {
      const revoked =
        sessionId !== null &&
        (await sessions.revokeLive({ id: sessionId, userId: principal.userId, now: clock.now() }));
      if (!revoked) throw new AuthError('SESSION_NOT_FOUND');
      await events.record(principal.userId, 'session_revoked');
    },

    /** Ends every live session of the caller but the current one; resolves to how many. */
    async revokeOthers(principal: Principal): Promise<number> {
      const revoked = await sessions.revokeAllForUser(principal.userId, clock.now(), {
        exceptSessionId: principal.sessionId,
      });
      if (revoked > 0) await events.record(principal.userId, 'session_revoked');
      return revoked;
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
