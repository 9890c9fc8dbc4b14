/**
 * The CLI entry: runs the program, maps errors to exit codes (with `--json`, an error document on
 * stdout too), and exits once stdout and stderr have drained, so piped output is never cut.
 * The only `process.exit` in the code base is here. Command modules import their heavy
 * dependencies lazily inside their actions, to keep start-up fast.
 */
import { CommanderError } from 'commander';
import { ClaudeExecError, ExitCode, InterruptedError } from '../errors.js';
import { INTERRUPT_REPORTED, runInterruptHandlers } from '../engine/interrupt.js';
import { errorJson } from '../contract/json.js';
import { printJson, processIo, syncIo, type Io } from './io.js';
import { interruptedOutcomePrinter, isChainOutcome } from './interrupt-report.js';
import { checkHelpTopic } from './helpTopic.js';
import { buildProgram } from './program.js';

interface Described {
  code: number;
  /** Lines for stderr ('' when commander printed its own). */
  text: string;
  message: string;
  hint: string | null;
}

function describe(err: unknown, verbose: boolean): Described {
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    ) {
      return { code: ExitCode.ok, text: '', message: '', hint: null };
    }
    return {
      code: ExitCode.usage,
      text: '',
      message: err.message.replace(/^error: /, ''),
      hint: 'run with --help for usage',
    };
  }
  if (err instanceof ClaudeExecError) {
    const lines = [`claude-exec: ${err.message}`];
    if (err.hint) lines.push(err.hint);
    if (verbose && err.stack) lines.push(err.stack);
    return { code: err.exitCode, text: lines.join('\n'), message: err.message, hint: err.hint ?? null };
  }
  const e = err as Error;
  const message = `unexpected error: ${e?.message ?? String(e)}`;
  const text = verbose
    ? String(e?.stack ?? e)
    : `claude-exec: ${message}\nRun again with --verbose for details.`;
  return { code: ExitCode.failed, text, message, hint: 'Run again with --verbose for details.' };
}

/** `--json` anywhere before a `--` separator. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

function reportError(io: Io, json: boolean, d: Described): void {
  if (d.text) io.err(d.text);
  if (json && d.code !== ExitCode.ok) printJson(io, errorJson(d.code, d.message, d.hint));
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    const program = buildProgram();
    checkHelpTopic(program, argv.slice(2));
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    const d = describe(err, verbose);
    reportError(processIo(false), wantsJson(argv), d);
    return d.code;
  }
}

/** Resolves once everything written to `stream` so far is flushed (or the reader went away). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) return resolve();
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

/**
 * SIGINT/SIGTERM: the chain being driven saves itself as `cancelled` (synchronously), then the
 * outcome is printed with synchronous writes and the process exits 130 at once, so no further
 * call or save can start.
 */
function onSignal(signal: NodeJS.Signals): void {
  const results = runInterruptHandlers();
  const saved = results.filter(isChainOutcome);
  const reportOutcome = interruptedOutcomePrinter();
  const io = syncIo();
  const json = wantsJson(process.argv);
  const error = new InterruptedError(`interrupted (${signal})`);
  if (saved.length > 0 && reportOutcome) {
    for (const outcome of saved) reportOutcome(io, json, { ...outcome, error });
  } else if (!results.includes(INTERRUPT_REPORTED)) {
    reportError(io, json, describe(error, false));
  }
  exit(ExitCode.interrupted);
}

function exit(code: number): never {
  process.exit(code);
}

// A reader that goes away (`| head`) is not an error of ours: stop writing, keep the exit code.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
const code = await main(process.argv);
process.exitCode = code;
await Promise.all([drained(process.stdout), drained(process.stderr)]);
exit(code);
