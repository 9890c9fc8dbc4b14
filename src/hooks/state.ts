/**
 * What hooks own of the config and of a chain's state: the chain events a hook may be run at (the
 * keys of the config's `hooks`) and the report a chain keeps of a hook that failed, timed out or
 * blocked a change (context file `hook_reports`). Schema only: config/schema.ts and
 * chain/schema.ts compose it (.dependency-cruiser.cjs allows exactly that).
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
