/**
 * `claude-exec chain-cost ID`: one chain's tokens by kind, cost, duration, prompts executed,
 * cost per prompt, and its cost by prompt, phase and model. `--json` prints the
 * ChainCostReport of src/cost/report.ts plus `file`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  program
    .command('chain-cost')
    .description('cost of one chain: tokens by kind, cost, duration, prompts executed, cost per prompt')
    .argument('<id>', 'chain id (47, 047 or chain-047)')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { chainCost } = await import('../../app/chainCost.js');
      const report = await chainCost(opts.contexts ?? [path.join(opts.cwd, 'contexts')], id);
      if (opts.json) printJson(io, report);
      else io.out((await import('../../ui/costTables.js')).renderChainCost(report, opts.color));
    });
}
