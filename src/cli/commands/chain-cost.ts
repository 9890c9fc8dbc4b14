/**
 * `claude-exec chain-cost ID`: one chain's tokens by kind, cost, duration, prompts executed,
 * cost per prompt, and its cost by prompt, phase and model. `--json`: `claude-exec/chain-cost@1`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  const cmd = program
    .command('chain-cost')
    .description('cost of one chain: tokens by kind, cost, duration, prompts executed, cost per prompt')
    .argument('<id>', 'chain id (47, 047 or chain-047)')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ chainCost }, { chainCostJson }] = await Promise.all([
        import('../../features/reports/chainCost.js'),
        import('../../contract/views/cost.js'),
      ]);
      const { report, ctx, file } = await chainCost(opts.contexts ?? [path.join(opts.cwd, 'contexts')], id);
      const doc = chainCostJson(report, ctx, file);
      if (opts.json) printJson(io, doc);
      else io.out((await import('../../ui/costTables.js')).renderChainCost(doc, opts.color));
    });
  applies(cmd, 'read');
  examples(cmd, ['claude-exec chain-cost 047', 'claude-exec chain-cost 047 --json | jq .cost_usd']);
}
