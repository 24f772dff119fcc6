/**
 * Cookie mode, for browser apps: the server keeps the refresh token in an HttpOnly cookie
 * that no script can read, and the client keeps only the short-lived access token, in memory.
 * After a reload (or in a new tab) there is no access token, so the first call gets one from
 * the cookie (`auth.refresh` with no token in its input). Tabs share the session through the
 * browser's cookie jar; a BroadcastChannel tells the other tabs of a sign-in or sign-out here.
 * Tabs that refresh at the same moment both present the same cookie, which the server's grace
 * window answers alike, so no lock between tabs is needed.
 */
import { type Credentials, isRejection, shareRenewals } from './credentials.js';

/** The header that makes a call a cookie-mode call (the server's CSRF defence relies on it too). */
export const cookieSessionHeaders = { 'X-Keyway-Session': 'cookie' } as const;

type ChannelMessage = 'signed-in' | 'signed-out';

interface ChannelLike {
  postMessage(message: ChannelMessage): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Node's BroadcastChannel would otherwise keep the process alive. */
  unref?: () => void;
}

function openChannel(name: string): ChannelLike | null {
  const Channel = (globalThis as unknown as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  if (!Channel) return null;
  const channel = new Channel(name);
  channel.unref?.();
  return channel;
}

export interface CookieCredentialsOptions {
  /** Gets a new access token from the refresh cookie (`auth.refresh` with no token). */
  refresh: () => Promise<string>;
  /** Tabs of one API share a channel. */
  channelName: string;
}

export function cookieCredentials(options: CookieCredentialsOptions): Credentials {
  let accessToken: string | undefined;
  // Until a refresh is refused there may be a cookie: a reload, or a tab opened later.
  let mayHaveSession = true;
  const listeners = new Set<(signedIn: boolean) => void>();
  const channel = openChannel(options.channelName);

  if (channel) {
    channel.onmessage = ({ data }) => {
      if (data === 'signed-out') {
        accessToken = undefined;
        mayHaveSession = false;
      } else if (data === 'signed-in') {
        // A new cookie: whatever access token this tab has belongs to an older session.
        accessToken = undefined;
        mayHaveSession = true;
      } else {
        return;
      }
      for (const listener of listeners) listener(data === 'signed-in');
    };
  }

  const clear = () => {
    const hadSession = mayHaveSession;
    accessToken = undefined;
    mayHaveSession = false;
    if (hadSession) channel?.postMessage('signed-out');
  };

  const renew = shareRenewals(async (rejected) => {
    // Another call of this tab renewed it meanwhile.
    if (accessToken !== undefined && accessToken !== rejected) return true;
    try {
      accessToken = await options.refresh();
      mayHaveSession = true;
      return true;
    } catch (error) {
      if (!isRejection(error)) throw error;
      clear();
      return false;
    }
  });

  return {
    accessToken: () => accessToken,
    mayHaveSession: () => mayHaveSession,
    store(issued, { started }) {
      accessToken = issued.accessToken;
      mayHaveSession = true;
      if (started) channel?.postMessage('signed-in');
    },
    clear,
    renew,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
