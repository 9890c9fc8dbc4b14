/**
 * The CLI entry: builds the commander program, runs it, and maps errors to exit codes.
 * The only `process.exit` in the code base is here. Command modules register themselves and
 * import their heavy dependencies lazily inside their actions, to keep start-up fast.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ClaudeExecError, ExitCode } from '../errors.js';
import { runInterruptHandlers } from '../app/interrupt.js';
import { commandModules } from './commands/index.js';

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function buildProgram(): Command {
  const program = new Command('claude-exec')
    .version(packageVersion(), '-V, --version')
    .description('Walk an LLM through requirements, context, uncertainty, approval and test-first implementation.')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('-y, --yes', 'approve gates and accept proposed default answers (recorded as assumptions)')
    .option('--until <phase>', 'stop cleanly after this phase (e.g. solution-approval for a plan-only run)')
    .option('--max-cost <usd>', 'stop before a call that would take the chain past this cost')
    .option('--model <name>', 'model for this chain (default: the config\'s default tier)')
    .addOption(new Option('--backend <name>', 'api: the Messages API (default) · claude-code: Claude Code via the optional Agent SDK (a Claude subscription works)').choices(['api', 'claude-code']))
    .option('--cwd <dir>', 'workspace directory (default: the current directory)')
    .option('--contexts <dir...>', 'context directories (default: <cwd>/contexts)')
    .option('--verbose', 'debug logging and stack traces')
    .option('--no-color', 'plain output (also NO_COLOR)')
    .addHelpText(
      'after',
      `
Examples:
  claude-exec "Add JWT authentication with refresh tokens to this Express app"
  claude-exec --yes --until solution-approval "Plan the move to Postgres"   # plan only, no questions
  claude-exec resume 047
  claude-exec approve 047 --reject "Keep server sessions for the web app"
  claude-exec cost-report --days 30 --by model
  claude-exec --backend claude-code "Fix the flaky login test"   # on Claude Code's login

Exit codes: 0 done · 1 chain failed · 2 bad input · 3 waiting for a human · 4 budget reached ·
5 LLM API failed · 130 interrupted`,
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const mod of commandModules) mod.register(program);
  return program;
}

function describe(err: unknown, verbose: boolean): { code: number; text: string } {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return { code: ExitCode.ok, text: '' };
    }
    return { code: ExitCode.usage, text: '' };
  }
  if (err instanceof ClaudeExecError) {
    const lines = [`claude-exec: ${err.message}`];
    if (err.hint) lines.push(err.hint);
    if (verbose && err.stack) lines.push(err.stack);
    return { code: err.exitCode, text: lines.join('\n') };
  }
  const e = err as Error;
  const text = verbose ? String(e?.stack ?? e) : `claude-exec: unexpected error: ${e?.message ?? String(e)}\nRun again with --verbose for details.`;
  return { code: ExitCode.failed, text };
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    const program = buildProgram();
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    const { code, text } = describe(err, verbose);
    if (text) process.stderr.write(`${text}\n`);
    return code;
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runInterruptHandlers();
  process.stderr.write(`\nclaude-exec: interrupted (${signal}); the chain was saved — continue with \`claude-exec resume ID\`.\n`);
  exit(ExitCode.interrupted);
}

function exit(code: number): never {
  process.exit(code);
}

process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
exit(await main(process.argv));
