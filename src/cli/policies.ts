/** `resultsdb policies check DIR`: validates a Greenwave policy directory the way `serve` loads it. */
import type { Command } from 'commander';
import { loadPolicyDir, policyFiles } from '../gating/policyLoader.ts';

export function registerPolicies(program: Command): void {
  const policies = program.command('policies').description('Greenwave gating policy files');
  policies
    .command('check')
    .description('parse every *.yaml policy file in DIR strictly; exit 1 naming the first problem')
    .argument('<dir>', 'policy directory (the one `serve` reads)')
    .action((dir: string) => {
      try {
        const loaded = loadPolicyDir(dir);
        console.log(`OK: ${loaded.length} policies in ${policyFiles(dir).length} files`);
      } catch (err) {
        // Policy messages can carry a YAML excerpt over several lines; the CLI prints one.
        process.stderr.write(`resultsdb: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}\n`);
        process.exitCode = 1;
      }
    });
}
