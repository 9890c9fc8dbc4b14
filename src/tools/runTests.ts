/**
 * Runs the workspace's configured test command (config `test_command`, an argv) through execa
 * without a shell (DESIGN §7). The model can only add one filter argument, and only a plain one:
 * a test name pattern or a workspace-relative test path, checked by the path guard like every
 * path-like tool argument (`pathArgs`), since test runners execute a file named by it. run_tests
 * passes it in the runner's own syntax (./testFilter.ts), running the runner behind `npm test`.
 */
import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
import { dataBlock } from './dataBlock.js';
import { presentTestOutput } from './testDigest.js';
import { plainCommand, type Sandbox } from './sandbox.js';
import { narrowTestCommand } from './testFilter.js';
import { capTail } from './text.js';
import type { AgentTool } from './types.js';

export interface TestRunOptions {
  /** Working directory: the workspace root. */
  root: string;
  /** argv of the test command, e.g. `['npm', 'test']`. */
  command: string[];
  /** Kill the run after this many ms (limits.test_timeout_ms). */
  timeoutMs: number;
  /** Keep the last this many bytes of the interleaved stdout+stderr (limits.tool_output_bytes). */
  maxOutputBytes: number;
  /** Appended as one extra argv element; must satisfy `isSafeFilter`. */
  filter?: string;
  /**
   * Runs the command inside the OS sandbox (./sandbox.ts); without it the command runs as it is,
   * but still with the default environment allow-list and output scrubbing (`plainCommand`).
   */
  sandbox?: Sandbox;
}

export interface TestRunResult {
  /** Exit code 0 and not timed out. */
  passed: boolean;
  /** The process's exit code; -1 when it was killed by a signal or could not be started. */
  exitCode: number;
  /** Interleaved stdout and stderr, secrets redacted, then tail-capped to `maxOutputBytes`. */
  output: string;
  timedOut: boolean;
}

/** Pure: letters, digits, `_ . / -` and spaces, not starting with `-` (so it cannot be a flag). */
export function isSafeFilter(filter: string): boolean {
  return /^[\w./ -]+$/.test(filter) && !filter.startsWith('-');
}

/**
 * Runs the test command once (in the sandbox when `opts.sandbox` is given). Never throws for a
 * failing, crashing, missing or timed-out command: that is reported in the result. Throws `Error`
 * only for an unsafe `filter` (see `isSafeFilter`) or an empty command, and `ConfigError` when the
 * sandbox is required and unavailable.
 */
export async function runTestCommand(opts: TestRunOptions): Promise<TestRunResult> {
  const argv = [...opts.command];
  if (!argv[0]) throw new Error('test command is empty');
  if (opts.filter !== undefined) {
    if (!isSafeFilter(opts.filter)) throw new Error(`unsafe test filter: ${JSON.stringify(opts.filter)}`);
    argv.push(opts.filter);
  }
  const prepared = opts.sandbox ? await opts.sandbox.prepare(argv, opts.root) : plainCommand(argv, opts.root);
  const [file, ...args] = prepared.argv;
  let result;
  try {
    result = await execa(file!, args, {
      cwd: opts.root,
      timeout: opts.timeoutMs,
      reject: false,
      all: true,
      stdin: 'ignore',
      env: prepared.env,
      extendEnv: false,
      stripFinalNewline: false,
    });
  } finally {
    await prepared.done();
  }
  const timedOut = result.timedOut;
  const exitCode = result.exitCode ?? -1;
  let output = typeof result.all === 'string' ? result.all : '';
  if (result.failed && result.exitCode === undefined && !timedOut) output += `\n${result.shortMessage}\n`;
  const real = await realpath(opts.root).catch(() => opts.root);
  const relative = relativeToRoot(relativeToRoot(prepared.redact(output), real), opts.root);
  return {
    passed: exitCode === 0 && !timedOut,
    exitCode,
    output: capTail(relative, opts.maxOutputBytes).text,
    timedOut,
  };
}

/**
 * Pure: `output` with the workspace's absolute path written relative (`file:///ws/src/a.js:3` and
 * `/ws/src/a.js:3` → `src/a.js:3`; the root alone → `.`), so what the model reads names files as the
 * tools do, carries no user's directory, and is the same wherever the workspace lies (a replay).
 */
function relativeToRoot(output: string, root: string): string {
  const r = root.replace(/\/+$/, '');
  if (r.length < 2) return output;
  return output.split(`file://${r}/`).join('').split(`${r}/`).join('').split(r).join('.');
}

/** Called after each run the model asked for (test_run hooks), with the argv run (filter included). */
export type OnTestRun = (argv: string[], result: TestRunResult) => Promise<void>;

/** package.json's `scripts.test` at `root`, or undefined (no file, unreadable, not a string). */
function packageTestScript(root: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts?: Record<string, unknown>;
    };
    return typeof pkg.scripts?.test === 'string' ? pkg.scripts.test : undefined;
  } catch {
    return undefined;
  }
}

export const RunTestsInput = z.object({
  filter: z
    .string()
    .optional()
    .describe(
      'Optional: a test file path relative to the workspace root, or a test name pattern; the runner runs only those. ' +
        'Letters, digits, _ . / - and spaces only; must not start with "-"; ' +
        'paths outside the workspace, under .git/ or naming .env files are refused.',
    ),
});
export type RunTestsInput = z.infer<typeof RunTestsInput>;

/**
 * run_tests: the tool form of `runTestCommand`; a red run is information, not a tool error.
 * `command` may be a function read at each run (a chain resolves its command after its tools are
 * made); the description then names no command, so that it is the same on every call.
 */
export function runTestsTool(
  opts: Omit<TestRunOptions, 'filter' | 'command'> & {
    command: string[] | (() => string[]);
    onRun?: OnTestRun;
  },
): AgentTool<RunTestsInput> {
  const commandOf = () => (typeof opts.command === 'function' ? opts.command() : opts.command);
  const named =
    typeof opts.command === 'function'
      ? 'the test command'
      : `the project's test command (${opts.command.join(' ')})`;
  return {
    name: 'run_tests',
    description:
      `Run ${named} in the workspace root and return "exit code N" ` +
      'followed by the end of its combined output in a <test_output> block. Exit code 0 means the tests passed. Use filter to run one test ' +
      `file or pattern. Runs are killed after ${Math.round(opts.timeoutMs / 1000)} s.`,
    inputSchema: RunTestsInput,
    pathArgs: ['filter'],
    async run(input) {
      if (input.filter !== undefined && !isSafeFilter(input.filter)) {
        return {
          content: 'filter refused: use only letters, digits, _ . / - and spaces, not starting with "-"',
          isError: true,
        };
      }
      // A filter runs the runner itself on that file or name (./testFilter.ts), not `npm test` with a word appended.
      const command =
        input.filter !== undefined
          ? narrowTestCommand(commandOf(), input.filter, packageTestScript(opts.root)).argv
          : commandOf();
      const r = await runTestCommand({ ...opts, command });
      await opts.onRun?.(command, r);
      const status = r.timedOut
        ? `exit code ${r.exitCode} (timed out after ${opts.timeoutMs} ms)`
        : `exit code ${r.exitCode}`;
      // Failures first (name, message, file:line), then the summary and the last lines (./testDigest.ts).
      return {
        content: `${status}\n${dataBlock('test_output', { command: command.join(' ') }, presentTestOutput(r.output, opts.maxOutputBytes))}`,
      };
    },
  };
}
