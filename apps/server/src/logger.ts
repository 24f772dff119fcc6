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
  // buffer, stop() flushes the rest, and pino writes what is left synchronously when the
  // process exits, whatever its cause (process.exit after a signal, or after an uncaught
  // exception: exitOnUncaughtException below, logger.test.ts). Only a SIGKILL, or the machine
  // dying, loses what the last second left in the buffer.
  const destination = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 1000).unref();
  return pino({ level: config.logLevel }, destination);
}

/** An uncaught exception is logged as the last line of the log (the exit flushes it), then ends the process. */
export function exitOnUncaughtException(logger: Logger): void {
  process.once('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'Uncaught exception; exiting');
    process.exit(1);
  });
}
