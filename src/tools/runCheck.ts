/**
 * run_check: runs one of the workspace's checks (typecheck, lint, build: ./checkCommands.ts) by
 * name, in the sandbox like run_tests, and returns its exit code and a digest of its output (the
 * first problems with their `file:line`, then the summary: ./checkDigest.ts). The model chooses
 * only the name, from an enum of the chain's checks; it adds no argument.
 */
import { z } from 'zod';
import type { DetectedCheck } from './checkCommands.js';
import { digestCheckOutput } from './checkDigest.js';
import { dataBlock } from './dataBlock.js';
import { runTestCommand } from './runTests.js';
import type { Sandbox } from './sandbox.js';
import type { AgentTool } from './types.js';

export interface RunCheckOptions {
  root: string;
  /** The chain's checks, at least one (the tool is not offered without any). */
  checks: readonly DetectedCheck[];
  /** Kill a run after this many ms (limits.test_timeout_ms). */
  timeoutMs: number;
  /** Cap on the digest sent back, bytes (limits.tool_output_bytes). */
  maxOutputBytes: number;
  sandbox?: Sandbox;
}

/** The result of one check run. */
export interface CheckRunResult {
  passed: boolean;
  exitCode: number;
  timedOut: boolean;
  /** The digest of the output (./checkDigest.ts). */
  digest: string;
}

/** Output read from a check run before it is digested, bytes: enough for the first problems of a large project. */
const CHECK_OUTPUT_BYTES = 2_000_000;

/** Runs one check once (sandboxed when `sandbox` is given). Never throws for a failing or missing command. */
export async function runCheckCommand(
  check: DetectedCheck,
  opts: Omit<RunCheckOptions, 'checks'>,
): Promise<CheckRunResult> {
  const r = await runTestCommand({
    root: opts.root,
    command: check.argv,
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: CHECK_OUTPUT_BYTES,
    ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
  });
  return {
    passed: r.passed,
    exitCode: r.exitCode,
    timedOut: r.timedOut,
    digest: digestCheckOutput(r.output, opts.maxOutputBytes),
  };
}

/** Pure: the zod input of run_check: `name`, one of `names` (at least one). */
function runCheckInput(names: readonly [string, ...string[]]) {
  return z.object({ name: z.enum(names).describe(`The check to run: ${names.join(', ')}.`) });
}

/** The run_check tool over `opts.checks`; null when there is none. */
export function runCheckTool(opts: RunCheckOptions): AgentTool<{ name: string }> | null {
  const [first, ...rest] = opts.checks.map((c) => c.name);
  if (first === undefined) return null;
  const listed = opts.checks.map((c) => `${c.name} (${c.argv.join(' ')})`).join('; ');
  return {
    name: 'run_check',
    description:
      `Run one of the project's checks besides its tests in the workspace root: ${listed}. Returns "exit code N" and, in a ` +
      '<check_output> block, the first problems with their file:line, then the end of the output. Exit code 0 means the check ' +
      'passed; the change counts as done only when the tests and every check pass. Runs are killed after ' +
      `${Math.round(opts.timeoutMs / 1000)} s.`,
    inputSchema: runCheckInput([first, ...rest]),
    async run(input) {
      const check = opts.checks.find((c) => c.name === input.name);
      if (!check)
        return {
          content: `unknown check ${JSON.stringify(input.name)}; the checks are ${opts.checks.map((c) => c.name).join(', ')}`,
          isError: true,
        };
      const r = await runCheckCommand(check, opts);
      const status = r.timedOut
        ? `exit code ${r.exitCode} (timed out after ${opts.timeoutMs} ms)`
        : `exit code ${r.exitCode}`;
      return {
        content: `${status}\n${dataBlock('check_output', { check: check.name, command: check.argv.join(' ') }, r.digest)}`,
      };
    },
  };
}
