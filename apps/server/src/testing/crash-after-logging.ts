/** A process that logs through the server's logger and then crashes (logger.test.ts). */
import { createLogger, exitOnUncaughtException } from '../logger.js';

const logger = createLogger({ logLevel: 'info', nodeEnv: 'production' });
exitOnUncaughtException(logger);
for (let line = 1; line <= 3; line += 1) logger.info({ line }, 'before the crash');
setTimeout(() => {
  throw new Error('the crash');
}, 10);
