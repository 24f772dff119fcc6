/** The rate limits' Redis store, with the watchdog that falls back to memory when Redis goes quiet. */
import type { RateLimitStore } from '@keyway/api';
import type { Logger } from './logger.js';

/**
 * The shared rate-limit store. ioredis fails commands at once while disconnected (no offline
 * queue) and rate-limiter-flexible then counts in this instance's memory (the insurance
 * limiter), so a Redis outage loosens limits to per-instance ones instead of failing or
 * stalling requests. A link that is up but silent (a partition, a stalled Redis) would cost
 * every command its full timeout instead, so a watchdog pings once a second and drops a
 * connection whose ping times out: requests use memory at once while the client reconnects
 * in the background. The switch to memory and the return to Redis are each logged once.
 */
export async function createRedisStore(
  url: string,
  logger: Logger,
): Promise<{ store: RateLimitStore; ready(timeoutMs: number): Promise<void>; close(): Promise<void> }> {
  // Loaded only when configured: ioredis is about 12 MB of resident memory.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2000),
  });
  let shared = true;
  let closing = false;
  const fallBack = (reason: string, error?: unknown) => {
    if (!shared || closing) return;
    shared = false;
    logger.warn({ err: error, reason }, 'Redis unreachable; rate limits fall back to per-instance memory');
  };
  client.on('error', (error) => fallBack(error.message, error));
  client.on('close', () => fallBack('connection closed'));
  client.on('ready', () => {
    if (!shared) logger.info('Redis reachable again; rate limits are shared across instances');
    shared = true;
  });

  let pinging = false;
  const watchdog = setInterval(() => {
    if (pinging || client.status !== 'ready') return;
    pinging = true;
    client
      .ping()
      .catch((error: unknown) => {
        if (client.status !== 'ready' || closing) return;
        fallBack('ping timed out', error);
        client.stream.destroy();
      })
      .finally(() => {
        pinging = false;
      });
  }, 1000);
  watchdog.unref();

  return {
    store: { kind: 'redis', client },
    /**
     * Waits (boundedly) for the first connection, so an instance does not begin by counting
     * in memory what its siblings count in Redis; if Redis does not answer in time the
     * instance starts anyway, on the in-memory fallback.
     */
    ready: (timeoutMs) =>
      new Promise<void>((resolve) => {
        if (client.status === 'ready') return resolve();
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          client.off('ready', done);
          resolve();
        }
        client.once('ready', done);
      }),
    close: async () => {
      closing = true;
      clearInterval(watchdog);
      client.disconnect();
    },
  };
}
