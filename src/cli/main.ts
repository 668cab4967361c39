import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.ts';
import { registerDecide } from './decide.ts';
import { registerMigrate } from './migrate.ts';
import { registerPolicies } from './policies.ts';
import { registerQuery } from './query.ts';
import { registerServe } from './serve.ts';
import { registerSubmit } from './submit.ts';
import { registerWaive } from './waive.ts';
import { registerToken } from './token.ts';

// `resultsdb query | head`: the reader going away ends the output; it is not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

const program = new Command('resultsdb')
  .description('CI test results store with a ResultsDB v2.0 compatible API')
  .showHelpAfterError(false)
  // Usage errors exit 2 with one line; --help and --version exit 0.
  .exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 || err.code.startsWith('commander.help') || err.code === 'commander.version' ? 0 : 2);
  });
program.configureOutput({ outputError: (s, write) => write(`resultsdb: ${s.replace(/^error: /, '').trim()}\n`) });

registerServe(program);
registerMigrate(program);
registerSubmit(program);
registerQuery(program);
registerWaive(program);
registerToken(program);
registerPolicies(program);
registerDecide(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`resultsdb: ${e.message}`);
    process.exit(2);
  }
  console.error(`resultsdb: ${(e as Error).message}`);
  process.exit(1);
}
