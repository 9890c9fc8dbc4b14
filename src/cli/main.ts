/**
 * The CLI entry: builds the commander program, runs it, and maps errors to exit codes.
 * The only `process.exit` in the code base is here. Command modules register themselves and
 * import their heavy dependencies lazily inside their actions, to keep start-up fast.
 */
import { Command, CommanderError } from 'commander';
import { ClaudeExecError, ExitCode } from '../errors.js';
import { runInterruptHandlers } from '../app/interrupt.js';
import { commandModules } from './commands/index.js';

function buildProgram(): Command {
  const program = new Command('claude-exec')
    .description('Walk an LLM through requirements, context, uncertainty, approval and test-first implementation.')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('-y, --yes', 'approve gates and accept proposed default answers (recorded as assumptions)')
    .option('--until <phase>', 'stop cleanly after this phase (e.g. solution-approval for a plan-only run)')
    .option('--max-cost <usd>', 'stop before a call that would take the chain past this cost')
    .option('--model <name>', 'model for this chain (default: the config\'s default tier)')
    .option('--cwd <dir>', 'workspace directory (default: the current directory)')
    .option('--contexts <dir...>', 'context directories (default: <cwd>/contexts)')
    .option('--verbose', 'debug logging and stack traces')
    .option('--no-color', 'plain output (also NO_COLOR)')
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
