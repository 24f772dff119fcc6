/**
 * Request context in two layers: `createContextInner` holds what procedures need and is
 * what tests call; `createContext` reads it off a Node HTTP request.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthCore } from '@keyway/auth-core';
import type { CallObserver } from './call-observer.js';
import { canonicalAddress } from './client-address.js';
import type { RateLimiter } from './rate-limit.js';
import { bearerOnlyTransport, type SessionTransport } from './session-transport.js';

export interface ContextOptions {
  core: AuthCore;
  rateLimiter: RateLimiter;
  clientIp: string;
  /** The bearer token of the `Authorization` header, if any. */
  accessToken: string | null;
  userAgent?: string | null;
  requestId?: string;
  /** Told the outcome of every procedure call (the server's metrics). */
  observer?: CallObserver | null;
  /** The refresh cookie of browser sessions, when the transport offers one. */
  session?: SessionTransport;
}

export function createContextInner(options: ContextOptions) {
  return {
    core: options.core,
    rateLimiter: options.rateLimiter,
    clientIp: options.clientIp,
    accessToken: options.accessToken,
    userAgent: options.userAgent ?? null,
    requestId: options.requestId ?? null,
    observer: options.observer ?? null,
    session: options.session ?? bearerOnlyTransport,
  };
}

export type Context = ReturnType<typeof createContextInner>;

/** The bearer token of an `Authorization` header; null when absent or not a bearer header. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * The client's address in canonical form: the socket's, or with `trustProxy` the right-most
 * entry of `X-Forwarded-For` — the one our own proxy appended — when it is an IP address
 * (anything else falls back to the socket's). The left-most is whatever the client chose to
 * write, so it is never believed.
 */
export function clientIpOf(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const forwarded = canonicalAddress(value?.split(',').at(-1)?.trim() ?? '');
    if (forwarded) return forwarded;
  }
  const socketAddress = request.socket.remoteAddress;
  return (socketAddress && canonicalAddress(socketAddress)) ?? 'unknown';
}

export function createContextFactory(options: {
  core: AuthCore;
  rateLimiter: RateLimiter;
  trustProxy: boolean;
  requestIdOf: (request: IncomingMessage) => string;
  observer?: CallObserver | null;
  /** The request's browser-session transport (its refresh cookie and the cookie to answer with). */
  sessionOf?: (request: IncomingMessage) => SessionTransport;
}) {
  return ({ req }: { req: IncomingMessage }) =>
    createContextInner({
      core: options.core,
      rateLimiter: options.rateLimiter,
      clientIp: clientIpOf(req, options.trustProxy),
      accessToken: bearerToken(req.headers.authorization),
      userAgent: req.headers['user-agent'] ?? null,
      requestId: options.requestIdOf(req),
      observer: options.observer,
      session: options.sessionOf?.(req),
    });
}
