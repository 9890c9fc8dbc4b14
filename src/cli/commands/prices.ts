/**
 * `claude-exec prices`: the price table in use (bundled, dated, plus config overrides).
 * `--json`: `claude-exec/prices@1`.
 */
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  const cmd = program
    .command('prices')
    .description('show the price table in use (USD per million tokens), its source and date')
    .action(async (_options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ listPrices }, { pricesJson }] = await Promise.all([
        import('../../features/reports/prices.js'),
        import('../../contract/views/cost.js'),
      ]);
      const doc = pricesJson(listPrices(opts.cwd));
      if (opts.json) printJson(io, doc);
      else io.out((await import('../../ui/costTables.js')).renderPrices(doc, opts.color));
    });
  applies(cmd, 'workspace');
  examples(cmd, [
    'claude-exec prices',
    'claude-exec prices --json | jq \'.models[] | select(.model | test("sonnet"))\'',
  ]);
}
