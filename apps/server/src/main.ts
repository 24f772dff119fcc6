/** Entry point: environment -> configuration -> database -> server, and the signals. */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { migrate, openOrm } from '@keyway/auth-core';
import { ConfigError, loadConfig, loadEnvFile, type ServerConfig } from './config.js';
import { createLogger } from './logger.js';
import { createServer } from './server.js';

// bcrypt and SQLite share libuv's thread pool (4 threads unless set). Hashes are capped at
// one per core (auth-core's passwords.ts); a few threads more keep queries and file writes
// from ever waiting behind them. libuv reads this on the pool's first use, which is later.
process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism() + 4);
// V8 lets the old generation grow to several times what is live before it collects: under
// load that is ~190 MB resident for ~40 MB of live heap. Growing by 15% between major
// collections holds the peak at ~115-135 MB for no throughput we could measure (the
// benchmark). Unlike --max-old-space-size this is no cap: a heap that needs more still
// gets it. Read at every collection, so setting it now works; a command-line value wins.
if (!process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent/.test(flag))) {
  setFlagsFromString('--heap-growing-percent=15');
}
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
