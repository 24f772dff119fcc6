/** pino: JSON lines in production, pretty in development (when pino-pretty is present). */
import pino, { type Logger } from 'pino';
import type { ServerConfig } from './config.js';

export type { Logger } from 'pino';

export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'nodeEnv'>): Logger {
  if (config.nodeEnv === 'development' && process.stdout.isTTY) {
    return pino({
      level: config.logLevel,
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss' } },
    });
  }
  // Asynchronous writes keep logging off the request's critical path; flushed on stop.
  return pino({ level: config.logLevel }, pino.destination({ sync: false }));
}
