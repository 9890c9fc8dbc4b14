/**
 * Hooks, the pure part: the chain events a hook may be run at, the JSON document a hook reads on
 * its stdin (one per run), and what a chain records of a hook that failed, timed out or blocked a
 * change. Zod only, so the config and chain schemas can use these without loading the runner.
 */
import { z } from 'zod';

/**
 * The events, in the order a chain meets them: chain_start and chain_end bracket every drive of a
 * chain (a new run, a resume, an answer, an approval); step_start / step_end bracket every prompt
 * run; gate: a human is needed (questions, the solution, a file change) and no answer is at hand;
 * before_file_change / after_file_change around every write_file / edit_file; test_run after each
 * test run: the chain's recorded ones (baseline, red, green) and the model's run_tests calls.
 */
export const HOOK_EVENTS = [
  'chain_start',
  'step_start',
  'step_end',
  'gate',
  'before_file_change',
  'after_file_change',
  'test_run',
  'chain_end',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** The one event whose hook may refuse what is about to happen (exit code 2). */
export const BLOCKING_EVENTS: readonly HookEvent[] = ['before_file_change'];
/** The exit code with which a before_file_change hook blocks the change (as Claude Code's hooks). */
export const BLOCK_EXIT_CODE = 2;

/**
 * The document on a hook's stdin (README "Hooks"). Always: `event`, `chain_id`, `workspace`
 * (absolute), `at` (ISO time), `phase`, `cost_usd` (the chain's cost so far, USD, from its
 * calls). Per event: `step` (step_start/step_end), `files` (workspace-relative, `/`-separated:
 * file changes; for chain_end the files the chain modified), `tool` and `diff` (file changes),
 * `gate` (gate), `tests` (test_run), `status` and `error` (chain_end), `resumed` (chain_start).
 */
export const HookDocumentSchema = z.object({
  event: z.enum(HOOK_EVENTS),
  chain_id: z.string(),
  workspace: z.string(),
  at: z.string(),
  phase: z.string(),
  cost_usd: z.number(),
  goal: z.string().optional(),
  resumed: z.boolean().optional(),
  step: z
    .object({
      n: z.number().int(),
      prompt: z.string(),
      phase: z.string(),
      status: z.enum(['running', 'complete', 'failed']),
      summary: z.string().nullable(),
    })
    .optional(),
  files: z.array(z.string()).optional(),
  tool: z.enum(['write_file', 'edit_file']).optional(),
  /** A unified diff of the change (before_file_change). */
  diff: z.string().optional(),
  gate: z.object({ kind: z.enum(['questions', 'solution', 'file-change']), message: z.string() }).optional(),
  tests: z
    .object({
      /** chain: a run the chain records (`test_runs`); model: a run_tests call of the model. */
      by: z.enum(['chain', 'model']),
      /** What the chain expected of its run; null for the model's runs. */
      expect: z.enum(['baseline', 'red', 'green']).nullable(),
      passed: z.boolean(),
      verdict: z.string().nullable(),
      summary: z.string(),
      argv: z.array(z.string()),
      failing: z.array(z.string()),
    })
    .optional(),
  status: z.string().optional(),
  error: z.string().nullable().optional(),
});
export type HookDocument = z.infer<typeof HookDocumentSchema>;

/** What a chain keeps of a hook run that did not simply succeed (context file `hook_reports`). */
export const HookReportSchema = z.object({
  at: z.string(),
  event: z.enum(HOOK_EVENTS),
  command: z.array(z.string()),
  /** failed: exit code other than 0 (and than 2 for before_file_change), or the command could not start. */
  outcome: z.enum(['failed', 'timed-out', 'blocked']),
  exit_code: z.number().int().nullable(),
  /** The end of the hook's stderr (at most 2,000 characters), or why it could not run. */
  message: z.string(),
});
export type HookReport = z.infer<typeof HookReportSchema>;

/** Hook reports a chain keeps at most (the oldest go first): a hook failing at every step must not grow the context file without bound. */
export const HOOK_REPORTS_KEPT = 50;

/** Pure: `reports` with `report` added, keeping the last HOOK_REPORTS_KEPT. */
export function withReport(reports: readonly HookReport[], report: HookReport): HookReport[] {
  return [...reports, report].slice(-HOOK_REPORTS_KEPT);
}
