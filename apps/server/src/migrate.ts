/** `pnpm --filter @keyway/server migrate`: applies pending migrations and exits. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrate, openOrm } from '@keyway/auth-core';
import { ConfigError, loadConfig } from './config.js';

const envFile = fileURLToPath(new URL('../.env', import.meta.url));
if (existsSync(envFile)) process.loadEnvFile(envFile);

try {
  const config = loadConfig();
  const orm = await openOrm({ databaseUrl: config.databaseUrl });
  const applied = await migrate(orm);
  await orm.close(true);
  console.log(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
} catch (error) {
  console.error(
    error instanceof ConfigError
      ? `Invalid configuration: ${error.message}`
      : `Migration failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
