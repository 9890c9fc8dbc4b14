/**
 * Walking a workflow's steps and the checks zod cannot make (prompt names, ids), apart from the
 * YAML parser and the schemas of ./parse.ts, so that what only reads a loaded workflow (the
 * forecast, the run, a workflow taken from the build's snapshot) does not load them. Pure.
 */
import type { Step, WorkflowFile } from './schema.js';

/** What a check needs to know about prompt names: whether one resolves in the library. */
export interface PromptNames {
  has(name: string): boolean;
}

export const WORKFLOW_EXTENSIONS = ['.yaml', '.yml', '.md'] as const;

/** The step kinds in the order ./schema.ts `kindOf` looks for their key (the keys of its STEP_KINDS, in order). */
export const STEP_KIND_NAMES = [
  'prompt',
  'phase',
  'gate',
  'tests',
  'chain',
  'plan_split',
  'sub_chains',
  'if',
  'switch',
  'loop',
  'parallel',
] as const;

/** The kind of a valid step (its first kind key, as ./schema.ts `kindOf` finds it), without the schemas. */
export function stepKindOf(step: Step): (typeof STEP_KIND_NAMES)[number] | null {
  for (const k of STEP_KIND_NAMES) if (k in step) return k;
  return null;
}

/** Every step of a valid workflow with its dotted path, depth first. */
export function walkSteps(steps: Step[], at = 'steps'): { at: string; step: Step }[] {
  const out: { at: string; step: Step }[] = [];
  steps.forEach((step, i) => {
    const here = `${at}.${i}`;
    out.push({ at: here, step });
    if ('if' in step)
      out.push(...walkSteps(step.then, `${here}.then`), ...walkSteps(step.else ?? [], `${here}.else`));
    else if ('switch' in step) {
      for (const [k, v] of Object.entries(step.cases)) out.push(...walkSteps(v, `${here}.cases.${k}`));
      out.push(...walkSteps(step.default ?? [], `${here}.default`));
    } else if ('loop' in step) out.push(...walkSteps(step.loop.steps, `${here}.loop.steps`));
    else if ('parallel' in step) out.push(...walkSteps(step.parallel.branches, `${here}.parallel.branches`));
  });
  return out;
}

/** Problems zod cannot see: unknown prompt names, duplicate ids, parallel branches that share a prompt. */
export function crossIssues(
  doc: WorkflowFile,
  prompts: PromptNames | null,
): { field: string; problem: string }[] {
  const out: { field: string; problem: string }[] = [];
  const ids = new Map<string, string>();
  for (const { at, step } of walkSteps(doc.steps)) {
    if (step.id) {
      const first = ids.get(step.id);
      if (first) out.push({ field: `${at}.id`, problem: `"${step.id}" is already the id of ${first}` });
      else ids.set(step.id, at);
    }
    if (prompts && 'prompt' in step && !prompts.has(step.prompt))
      out.push({ field: `${at}.prompt`, problem: `no prompt "${step.prompt}" in the library` });
    if (prompts && 'plan_split' in step && !prompts.has(step.plan_split))
      out.push({ field: `${at}.plan_split`, problem: `no prompt "${step.plan_split}" in the library` });
    if ('parallel' in step) {
      const names = step.parallel.branches.map((b) => b.prompt);
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i)
          out.push({
            field: `${at}.parallel.branches.${i}.prompt`,
            problem: `"${n}" is already a branch of this step: run it once, or in another step`,
          });
      });
      const merge = step.parallel.merge;
      if (merge && names.includes(merge))
        out.push({
          field: `${at}.parallel.merge`,
          problem: `"${merge}" is also a branch; the merge must be another prompt`,
        });
      if (merge && prompts && !prompts.has(merge))
        out.push({ field: `${at}.parallel.merge`, problem: `no prompt "${merge}" in the library` });
    }
  }
  return out;
}
