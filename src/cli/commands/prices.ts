/**
 * `claude-exec prices`: the price table in use (bundled, dated, plus config overrides).
 * `--json` prints the PriceListing of src/app/prices.ts.
 */
import type { Command } from 'commander';
import { commandContext } from '../globals.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  program
    .command('prices')
    .description('show the price table in use (USD per million tokens), its source and date')
    .action(async (_options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { listPrices } = await import('../../app/prices.js');
      const listing = listPrices(opts.cwd);
      if (opts.json) printJson(io, listing);
      else io.out((await import('../../ui/costTables.js')).renderPrices(listing, opts.color));
    });
}
