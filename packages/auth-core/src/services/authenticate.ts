/**
 * The check every authenticated call makes: the access token's signature and claims, then
 * one indexed read that finds its session live, its jti not denied, and the user. It needs
 * no unit of work, so the core runs it before (and without) building a call's services.
 */
import type { Clock } from '../clock.js';
import { AuthError } from '../errors.js';
import type { SessionRepository, UserRecord } from '../repositories/types.js';
import type { TokenSigner } from '../tokens.js';

/** Who an authenticated call is made by, and with which access token. */
export interface Principal {
  userId: string;
  /** The user as read with the session check (the same indexed read). */
  user: UserRecord;
  sessionId: string;
  accessJti: string;
  accessExpiresAt: Date;
}

export type Authenticate = (accessToken: string) => Promise<Principal>;

export function createAuthenticator(dependencies: {
  tokens: TokenSigner;
  clock: Clock;
  findActiveUser: SessionRepository['findActiveUser'];
}): Authenticate {
  const { tokens, clock, findActiveUser } = dependencies;
  return async function authenticate(accessToken) {
    const claims = tokens.verify(accessToken, 'access');
    if (!claims) throw new AuthError('TOKEN_INVALID');
    const user = await findActiveUser({ sessionId: claims.sid, accessJti: claims.jti, now: clock.now() });
    if (user?.id !== claims.sub) throw new AuthError('TOKEN_INVALID');
    return {
      userId: user.id,
      user,
      sessionId: claims.sid,
      accessJti: claims.jti,
      accessExpiresAt: new Date(claims.exp * 1000),
    };
  };
}
