/**
 * `claude-exec prompts eval [NAME…]`: runs prompts against their eval cases
 * (`prompts/evals/NAME/*.yaml`), prints a table per prompt × case × model (or `--json`,
 * `claude-exec/prompts-eval@1`), and saves the run in `contexts/.evals/`. `--compare A B` compares
 * two saved runs or two models (`claude-exec/prompts-eval-compare@1`). Exit codes: 0 every case
 * passed (or, with --compare, no regression asked about); 1 a case failed, or --fail-on-regression
 * found a significant drop; 2 bad input; 4 cases were skipped for --max-cost (and none failed);
 * 5 the API failed.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import type { EvalCompareOutput, EvalOutput } from '../../contract/evals.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

interface EvalFlags {
  repeat: string;
  concurrency: string;
  compare?: string[];
  failOnRegression?: boolean;
  baseline?: string;
}

function positiveInt(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

/** Declares `prompts eval` under the `prompts` command. */
export function registerEval(prompts: Command): void {
  const cmd = prompts
    .command('eval')
    .description(
      'run prompts against their eval cases (prompts/evals/NAME/*.yaml): pass/fail, score, tokens, cost, latency per prompt × case × model; saved in contexts/.evals/',
    )
    .argument('[names...]', 'prompts to evaluate (default: every prompt that has cases)')
    .option(
      '--repeat <n>',
      'run each case this many times per model (pass counts feed the significance test)',
      '1',
    )
    .option('--concurrency <n>', 'cases run at once', '4')
    .option(
      '--compare <runs...>',
      'compare two saved runs (ids from contexts/.evals/) or two models of the latest run: A is the baseline, B the candidate; runs nothing',
    )
    .option(
      '--fail-on-regression',
      'exit 1 when a case passes significantly less often than in the baseline (p < 0.05, Fisher exact test)',
    )
    .option(
      '--baseline <run>',
      'the baseline run of --fail-on-regression (default: the latest earlier run sharing a case)',
    )
    .addHelpText(
      'after',
      '\n--model A,B runs every case on each model; --max-cost USD stops starting cases once the run has spent that much.\n' +
        'Exit codes: 0 all passed; 1 a case failed or a regression (--fail-on-regression); 2 bad input; ' +
        '4 cases skipped for --max-cost; 5 the API failed.',
    )
    .action(async (names: string[], flags: EvalFlags, c: Command) => {
      const { opts, io } = commandContext(c);
      if (opts.contexts && opts.contexts.length > 1)
        throw new UsageError('give --contexts once: eval runs are saved in one contexts directory');
      const contextsDir = opts.contexts?.[0] ?? path.join(opts.cwd, 'contexts');
      const { renderComparison, renderEvalRun } = await import('../views/evals.js');
      const { sanitizeTerminal } = await import('../../ui/sanitize.js');
      if (flags.compare) {
        if (flags.compare.length !== 2 || names.length)
          throw new UsageError(
            '--compare takes two runs or models: --compare A B',
            'e.g. claude-exec prompts eval --compare eval-20261207-101500-1a2b eval-20261207-113000-9f3c',
          );
        const cmp: EvalCompareOutput = await (
          await import('../../features/library/evalCompare.js')
        ).compareSaved(contextsDir, flags.compare[0]!, flags.compare[1]!);
        if (opts.json) printJson(io, cmp);
        else io.out(await renderComparison(cmp, opts.color));
        if (flags.failOnRegression && cmp.regressions > 0) process.exitCode = ExitCode.failed;
        return;
      }
      const repeat = positiveInt(flags.repeat, '--repeat', 100);
      const concurrency = positiveInt(flags.concurrency, '--concurrency', 32);
      const models = opts.model
        ? opts.model
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean)
        : [];
      const [{ createBaseDeps }, { createTerminalUi }, { ensureTrust }, app, compare] = await Promise.all([
        import('../../engine/deps.js'),
        import('../../ui/terminal.js'),
        import('../trust.js'),
        import('../../features/library/promptEval.js'),
        import('../../features/library/evalCompare.js'),
      ]);
      const trusted = await ensureTrust(opts.cwd, { trust: opts.trust, io });
      const ui = createTerminalUi({ color: false, verbose: opts.verbose, interactive: false });
      const base = await createBaseDeps(opts.cwd, {
        ui,
        yes: true,
        trusted,
        ...(opts.backend ? { backend: opts.backend } : {}),
        ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
      });
      const { run, file } = await app.evaluatePrompts(base, {
        names,
        models,
        repeat,
        maxCostUsd: opts.maxCost ?? null,
        concurrency,
        contextsDir,
        onProgress: (line) => io.err(sanitizeTerminal(line)),
      });
      const cmp = flags.failOnRegression
        ? await compare.compareWithBaseline(contextsDir, run, flags.baseline)
        : null;
      if (opts.json) {
        const doc: EvalOutput = { schema: 'claude-exec/prompts-eval@1', ...run, file, comparison: cmp };
        printJson(io, doc);
      } else {
        io.out(await renderEvalRun(run, opts.color));
        if (cmp) io.out(`\n${await renderComparison(cmp, opts.color)}`);
        else if (flags.failOnRegression)
          io.out('\nno baseline run to compare with (the first run of these cases)');
        io.err(`saved ${path.relative(opts.cwd, file) || file}`);
      }
      if (run.totals.failed > 0 || (cmp?.regressions ?? 0) > 0) process.exitCode = ExitCode.failed;
      else if (run.totals.skipped > 0) process.exitCode = ExitCode.budget;
    });
  applies(cmd, [
    '--json',
    '--model',
    '--max-cost',
    '--cwd',
    '--contexts',
    '--trust',
    '--verbose',
    '--no-color',
  ]);
  examples(cmd, [
    'claude-exec prompts eval code_reviewer security_scanner',
    'claude-exec prompts eval --model claude-sonnet-4-5,claude-haiku-4-5 --repeat 5 --max-cost 2',
    'claude-exec prompts eval --compare claude-sonnet-4-5 claude-haiku-4-5',
    'claude-exec prompts eval --repeat 5 --fail-on-regression   # in CI',
  ]);
}
