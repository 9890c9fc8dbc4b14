/**
 * The workspace tools in the fixed order they are sent to the model. The list (names,
 * descriptions, schemas) must be identical on every call of a chain so the prompt-cache prefix
 * holds (DESIGN §5); runs that may not write get the same list with a narrower `enabledTools`.
 */
import { guardToolPaths } from './pathGuard.js';
import { listFilesTool, readFileTool, searchCodeTool } from './readTools.js';
import type { DetectedCheck } from './checkCommands.js';
import { parseCheck } from './parseCheck.js';
import { runCheckTool } from './runCheck.js';
import { runTestsTool, type OnTestRun } from './runTests.js';
import type { Sandbox } from './sandbox.js';
import type { AgentTool } from './types.js';
import { editFileTool, writeFileTool } from './writeTools.js';
import type { ApproveChange, BeforeChange, OnWritten } from './writeTools.js';

export type { ApprovalDecision, ApproveChange, ProposedChange } from './writeTools.js';
export { runTestCommand } from './runTests.js';
export { createSandbox, type Sandbox } from './sandbox.js';
export type { TestRunResult } from './runTests.js';

/** Tools that only read the workspace (context building, analysis, review). */
export const READ_TOOL_NAMES = ['list_files', 'read_file', 'search_code'] as const;
/** Tools added for implementation: they change files or run the test command or a check (run_check only when the workspace has checks). */
export const WRITE_TOOL_NAMES = ['write_file', 'edit_file', 'run_tests', 'run_check'] as const;

export interface WorkspaceToolOptions {
  /** Workspace root; every path the model gives is confined to it. */
  root: string;
  /** The chain's contexts directory (absolute), left out of list_files and search_code. */
  contextsDir?: string;
  /** argv of the test command, or a function that gives it at each run (the chain's resolved command). */
  testCommand: string[] | (() => string[]);
  /** `tool_output_bytes`: cap on each tool result, bytes; `test_timeout_ms`: test run timeout, ms. */
  limits: { tool_output_bytes: number; test_timeout_ms: number };
  approve: ApproveChange;
  onWritten: OnWritten;
  /** Before a change goes to approval (before_file_change hooks); a string refuses it with that reason. */
  beforeChange?: BeforeChange;
  /** After each run_tests run (test_run hooks). */
  onTestRun?: OnTestRun;
  /** The OS sandbox run_tests runs the test command in (./sandbox.ts). */
  sandbox?: Sandbox;
  /** The chain's checks (./checkCommands.ts); none = no run_check tool. */
  checks?: readonly DetectedCheck[];
}

/**
 * list_files, read_file, search_code, write_file, edit_file, run_tests, run_check (when there are
 * checks) — in that order, each
 * behind the path guard for its path-like arguments (`guardToolPaths`).
 */
export function createWorkspaceTools(opts: WorkspaceToolOptions): AgentTool[] {
  const read = {
    root: opts.root,
    maxOutputBytes: opts.limits.tool_output_bytes,
    ...(opts.contextsDir ? { contextsDir: opts.contextsDir } : {}),
  };
  const sandbox = opts.sandbox ? { sandbox: opts.sandbox } : {};
  const write = {
    root: opts.root,
    approve: opts.approve,
    onWritten: opts.onWritten,
    parseCheck: (rel: string, text: string) => parseCheck(rel, text, { root: opts.root, ...sandbox }),
    ...(opts.beforeChange ? { beforeChange: opts.beforeChange } : {}),
  };
  const tools: AgentTool[] = [
    listFilesTool(read),
    readFileTool(read),
    searchCodeTool(read),
    writeFileTool(write),
    editFileTool(write),
    runTestsTool({
      root: opts.root,
      command: opts.testCommand,
      timeoutMs: opts.limits.test_timeout_ms,
      maxOutputBytes: opts.limits.tool_output_bytes,
      ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
      ...(opts.onTestRun ? { onRun: opts.onTestRun } : {}),
    }),
  ];
  const check = runCheckTool({
    root: opts.root,
    checks: opts.checks ?? [],
    timeoutMs: opts.limits.test_timeout_ms,
    maxOutputBytes: opts.limits.tool_output_bytes,
    ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
  });
  if (check) tools.push(check as AgentTool);
  return tools.map((tool) => guardToolPaths(opts.root, tool));
}
