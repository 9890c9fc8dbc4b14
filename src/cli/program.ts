/**
 * The commander program: global options, help with examples, and every command module. Built
 * by the CLI entry (src/cli/main.ts) and by tests that walk every registered command.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import * as completion from './commands/completion.js';
import { commandModules } from './commands/index.js';
import { helpConfiguration } from './help.js';
import { sanitizeTerminal } from '../ui/sanitize.js';

function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

/**
 * The program with every command registered; errors throw (exitOverride) instead of exiting.
 * `opts.completion: false` leaves out the completion commands (the completer walks such a program).
 */
export function buildProgram(opts: { completion?: boolean } = {}): Command {
  const program = new Command('claude-exec')
    .version(packageVersion(), '-V, --version')
    .description(
      'Walk an LLM through requirements, context, uncertainty, approval and test-first implementation.',
    )
    .configureHelp(helpConfiguration)
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('-y, --yes', 'approve gates and accept proposed default answers (recorded as assumptions)')
    .option(
      '--until <phase>',
      'stop cleanly after this phase; solution-approval stops at the gate with the solution presented',
    )
    .option('--max-cost <usd>', 'stop before a call that would take the chain past this cost')
    .option('--model <name>', "model for this chain (default: the config's default tier)")
    .addOption(
      new Option(
        '--backend <name>',
        'api: the Messages API (default) · claude-code: Claude Code via the optional Agent SDK (a Claude subscription works)',
      ).choices(['api', 'claude-code']),
    )
    .option(
      '--trust',
      "trust this workspace's config, rules block, .env entries, prompts, workflows and patterns (stored; asked again when they change)",
    )
    .addOption(
      new Option(
        '--sandbox <mode>',
        "the test command's OS sandbox for this run (default: your user config, else auto)",
      ).choices(['auto', 'required', 'off']),
    )
    .option('--cwd <dir>', 'workspace directory, must exist (default: the current directory)')
    // One directory per --contexts (repeat it for more): a variadic option would take the task too.
    .option(
      '--contexts <dir>',
      'a context directory; repeat for more (default: <cwd>/contexts)',
      (dir: string, dirs: string[] | undefined) => [...(dirs ?? []), dir],
    )
    .option('--verbose', 'debug logging, per-call token lines and stack traces')
    .option('--no-color', 'plain output (also NO_COLOR)')
    .addHelpText(
      'after',
      `
Examples:
  claude-exec demo                                                        # the whole flow on a sample app, no key needed
  claude-exec "Add JWT authentication with refresh tokens to this Express app"
  claude-exec --yes --until solution-approval "Plan the move to Postgres"   # plan only: stops at the gate
  claude-exec pending 047
  claude-exec approve 047 --reject "Keep server sessions for the web app"
  claude-exec cost-report --days 30 --by model
  claude-exec --backend claude-code "Fix the flaky login test"              # on Claude Code's login

A task is several words, or is given with run (claude-exec run refactor).
Exit codes: 0 done · 1 chain failed · 2 bad input (also: an untrusted workspace without a terminal) ·
3 waiting for a human · 4 budget reached · 5 LLM API failed · 130 interrupted`,
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(sanitizeTerminal(s)) });
  for (const mod of commandModules) mod.register(program);
  // The completion commands complete a program without themselves, built here (no import cycle).
  if (opts.completion !== false) completion.register(program, () => buildProgram({ completion: false }));
  return program;
}
