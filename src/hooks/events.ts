/**
 * Hooks, the pure part: the chain events a hook may be run at, the JSON document a hook reads on
 * its stdin (one per run), and what a chain records of a hook that failed, timed out or blocked a
 * change (the event names and the report: ./state.ts, which the config and chain schemas compose).
 * Zod only.
 */
import { z } from 'zod';
import { HOOK_EVENTS, type HookEvent, type HookReport } from './state.js';

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

/** Hook reports a chain keeps at most (the oldest go first): a hook failing at every step must not grow the context file without bound. */
export const HOOK_REPORTS_KEPT = 50;

/** Pure: `reports` with `report` added, keeping the last HOOK_REPORTS_KEPT. */
export function withReport(reports: readonly HookReport[], report: HookReport): HookReport[] {
  return [...reports, report].slice(-HOOK_REPORTS_KEPT);
}
