import type { Command } from 'commander';
import { resolveConfig } from '../config/config.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('--database <url>', 'postgres://…, sqlite:PATH or a file path (env RESULTSDB_DATABASE_URL)')
    .option('--config <file>', 'YAML config file (env RESULTSDB_CONFIG)')
    .action(async (opts: { database?: string; config?: string }) => {
      const config = resolveConfig({ database: opts.database, config: opts.config });
      const [{ openStore }, { migrate }] = await Promise.all([import('../store/connection.ts'), import('../store/migrate.ts')]);
      const store = openStore(config.database, { poolSize: 1 });
      try {
        const applied = await migrate(store);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await store.close();
      }
    });
}
