/** pino: JSON lines in production, pretty in development (when pino-pretty is present). */
import pino, { type Logger } from 'pino';
import type { ServerConfig } from './config.js';

export type { Logger } from 'pino';

export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'nodeEnv'>): Logger {
  // Development (`pnpm start`, `pnpm dev`) is read by a person, through a pipe as often as on a
  // terminal; production and tests get JSON lines.
  if (config.nodeEnv === 'development') {
    return pino({
      level: config.logLevel,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'HH:MM:ss', singleLine: true, ignore: 'pid,hostname' },
      },
    });
  }
  // Lines are buffered and written 4 KiB at a time, asynchronously: one write() per request
  // cost about a tenth of a users.me call. A timer flushes what a quiet second leaves in the
  // buffer, and stop() flushes the rest.
  const destination = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 1000).unref();
  return pino({ level: config.logLevel }, destination);
}
