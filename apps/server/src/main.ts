/**
 * Entry point: environment -> configuration -> database -> server, and the signals. Started
 * by bin/keyway, the one line that sets the runtime's thread pool and heap flags.
 */
import { migrate, openOrm } from '@keyway/auth-core';
import { ConfigError, loadConfig, loadEnvFile, type ServerConfig } from './config.js';
import { createLogger, exitOnUncaughtException } from './logger.js';
import { createServer } from './server.js';

loadEnvFile();

let config: ServerConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Invalid configuration: ${error.message}`);
  process.exit(1);
}

const logger = createLogger(config);
exitOnUncaughtException(logger);
try {
  const orm = await openOrm({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax, logger });
  if (config.migrateOnStart) {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ applied }, 'Applied database migrations');
  }
  const server = await createServer({ config, orm, logger });
  const url = await server.start();
  logger.info({ url, database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') }, `Keyway API listening on ${url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // stop() closes the listening socket before it first waits, so once this line is out
    // no new connection is accepted (the log is written asynchronously: logging first
    // could announce a shutdown while the port still accepts).
    const stopped = server.stop();
    logger.info({ signal }, 'Shutting down');
    stopped.then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, 'Keyway failed to start');
  logger.flush();
  console.error(`Keyway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
