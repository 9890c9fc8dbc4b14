/**
 * `claude-exec cost-report`: cost across the chains started in a window (default: the last 7 days),
 * from one or more contexts directories (`--contexts DIR`, repeatable, merged, each chain counted once).
 * `--json`: `claude-exec/cost-report@1`. Skipped files are reported on stderr.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

interface CostReportOptions {
  days?: string;
  since?: string;
  by: 'prompt' | 'phase' | 'model' | 'day';
  top: string;
}

/** A positive number of `unit` (whole when `whole`) from a flag's text; throws UsageError (exit 2) otherwise. */
function count(text: string | undefined, flag: string, unit: string, whole: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    throw new UsageError(
      `${flag} must be a positive ${whole ? 'whole ' : ''}number of ${unit}, got "${text}"`,
      `Example: claude-exec cost-report ${flag} ${whole ? 3 : 30}`,
    );
  }
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('cost-report')
    .description(
      'cost across chains: totals, average per chain, most expensive chains, cost by prompt, suggestions',
    )
    .option('--days <n>', 'chains started in the last N days (default 7)')
    .option('--since <date>', 'chains started on or after this day (YYYY-MM-DD, UTC)')
    .option('--until <date>', 'chains started on or before this day (YYYY-MM-DD, UTC)')
    .addOption(
      new Option('--by <kind>', 'break the cost down by')
        .choices(['prompt', 'phase', 'model', 'day'])
        .default('prompt'),
    )
    .option('--top <n>', 'longest list to show: most expensive chains, breakdown rows, unpriced models', '5')
    .action(async (options: CostReportOptions, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { costReport } = await import('../../features/reports/costReport.js');
      // --until is also a program-wide option (a phase for runs); commander gives it to the program.
      const until = (cmd.optsWithGlobals() as { until?: string }).until;
      const top = count(options.top, '--top', 'rows', true) ?? 5;
      const report = await costReport({
        dirs: opts.contexts ?? [path.join(opts.cwd, 'contexts')],
        days: count(options.days, '--days', 'days', false),
        since: options.since,
        until,
        by: options.by,
        top,
        now: new Date(),
        onWarning: (msg) => io.err(`warning: ${msg}`),
      });
      const doc = (await import('../../contract/views/cost.js')).costReportJson(report, top);
      if (opts.json) printJson(io, doc);
      else io.out((await import('../../ui/costTables.js')).renderCostReport(doc, opts.color));
    });
  applies(cmd, ['--json', '--cwd', '--contexts', '--verbose', '--no-color']);
  examples(cmd, [
    'claude-exec cost-report',
    'claude-exec cost-report --days 30 --by model --top 3',
    'claude-exec cost-report --since 2026-01-01 --until 2026-01-31 --contexts ci/contexts --json',
  ]);
}
