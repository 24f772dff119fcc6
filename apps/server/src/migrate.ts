/** `pnpm --filter @keyway/server migrate`: applies pending migrations and exits. Needs only DATABASE_URL. */
import { migrate, openOrm } from '@keyway/auth-core';
import { ConfigError, loadDatabaseUrl, loadEnvFile } from './config.js';

loadEnvFile();
try {
  // No statement timeout: a long migration must not be cancelled halfway.
  const orm = await openOrm({ databaseUrl: loadDatabaseUrl(), statementTimeoutMillis: 0 });
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
