/**
 * `pnpm --filter @keyway/server admin <command>` (or `node apps/server/dist/admin.js`): the
 * operator's tool, reading the same configuration as the server. Exit 0 on success; on any
 * failure one line on stderr and exit 1. Commands are in admin-commands.ts.
 */
import { createAdmin, migrate, openOrm } from '@keyway/auth-core';
import { AdminError, parseCommand, usage } from './admin-commands.js';
import { ConfigError, loadConfig, loadEnvFile } from './config.js';

function fail(message: string): never {
  console.error(message.split('\n')[0]);
  process.exit(1);
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--help' || argv[0] === 'help')) {
  console.log(usage);
  process.exit(0);
}

try {
  const command = parseCommand(argv);
  if (command.kind === 'offline') {
    console.log(command.run().join('\n'));
  } else {
    loadEnvFile();
    const config = loadConfig();
    // No statement timeout for migrations: a long one must not be cancelled halfway.
    const orm = await openOrm({
      databaseUrl: config.databaseUrl,
      poolMax: 2,
      ...(command.migrate ? { statementTimeoutMillis: 0 } : {}),
    });
    try {
      if (command.migrate) {
        const applied = await migrate(orm);
        console.log(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
      } else {
        const lines = await command.run(createAdmin({ orm }));
        if (lines.length > 0) console.log(lines.join('\n'));
      }
    } finally {
      await orm.close(true);
    }
  }
} catch (error) {
  if (error instanceof AdminError) fail(error.message);
  if (error instanceof ConfigError) fail(`Invalid configuration: ${error.message}`);
  fail(`Failed: ${error instanceof Error ? error.message : String(error)}`);
}
