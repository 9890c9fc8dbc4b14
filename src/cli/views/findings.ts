/**
 * What a workflow chain that changed no file found (a review, a plan, a diagnosis): the summary
 * of its last step, what blocks, and its key findings — those citing `file:line` first — so the
 * end of the run shows the answer, not only "complete". Pure.
 */
import type { ChainContext } from '../../chain/schema.js';
import { findingsOf } from '../../memory/entries.js';

export interface WorkflowFindings {
  /** The last completed step's prompt and summary (a merge or write-up step says the most). */
  summary: { prompt: string; text: string } | null;
  /** Blocking issues of every verdict, by prompt. */
  blocking: { prompt: string; text: string }[];
  /** Findings of every completed step, citing `file:line` first, at most `limit`. */
  findings: { prompt: string; text: string }[];
  /** Findings left out by `limit`. */
  more: number;
}

/** `path/to/file.ext:12` (optionally `:12-30` or `:12:4`) anywhere in a finding. */
const FILE_LINE = /[\w./-]+\.\w+:\d+/;

/**
 * The findings of a workflow chain that changed no file, or null for the feature flow, a single
 * prompt (its result is printed), a split (its parts' patches are its result) or a chain that
 * changed files (its diff and spec say what it did). `limit`: most findings listed.
 */
export function workflowFindings(ctx: ChainContext, limit = 10): WorkflowFindings | null {
  if (
    !ctx.workflow ||
    ctx.workflow.name === 'feature' ||
    ctx.single_prompt ||
    ctx.split ||
    ctx.session_memory.files_modified.length > 0
  )
    return null;
  const done = ctx.steps.map((s) => ({ s, f: findingsOf(s) })).filter((x) => x.f !== null);
  if (done.length === 0) return null;
  const last = done.at(-1)!;
  const blocking = done.flatMap(({ s, f }) =>
    (f!.verdict?.blocking_issues ?? []).map((text) => ({ prompt: s.prompt, text })),
  );
  const all = done.flatMap(({ s, f }) => (f!.findings ?? []).map((text) => ({ prompt: s.prompt, text })));
  const cited = [...all.filter((x) => FILE_LINE.test(x.text)), ...all.filter((x) => !FILE_LINE.test(x.text))];
  return {
    summary: { prompt: last.s.prompt, text: last.f!.summary },
    blocking,
    findings: cited.slice(0, limit),
    more: Math.max(0, cited.length - limit),
  };
}

/** The findings as terminal lines, `showCommand` the command that shows the whole chain. */
export function findingsLines(w: WorkflowFindings, showCommand: string): string[] {
  const lines = ['', 'Findings:'];
  if (w.summary) lines.push(`  summary (${w.summary.prompt}): ${w.summary.text}`);
  for (const b of w.blocking) lines.push(`  blocking (${b.prompt}): ${b.text}`);
  for (const f of w.findings) lines.push(`  - ${f.text}  [${f.prompt}]`);
  if (w.more) lines.push(`  … ${w.more} more: ${showCommand}`);
  return lines;
}
