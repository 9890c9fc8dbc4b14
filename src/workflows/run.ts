/**
 * A chain's workflow run (`ChainContext['workflow']`): made from a loaded workflow file, and
 * positioned at a step for a chain that is already under way (a context file written before
 * every chain ran a workflow, or `resume --more-iterations` re-opening the implementation).
 */
import path from 'node:path';
import type { ChainContext, Phase, WorkflowEffect, WorkflowFrame, WorkflowRun } from '../chain/schema.js';
import { factsOf } from './facts.js';
import { initialWorkflowState, workflowTransition } from './interpreter.js';
import { builtinWorkflowsDir, readWorkflowFiles } from './load.js';
import type { WorkflowDoc } from './parse.js';
import { walkSteps } from './walk.js';
import type { WorkflowFile } from './schema.js';

/** The default workflow: the phase machine's whole flow (README "How a chain runs"). */
export const DEFAULT_WORKFLOW = 'feature';

/** The workflow `--split` runs: plan the parts, approve them, run each as a sub-chain (workflows/split.yaml). */
export const SPLIT_WORKFLOW = 'split';

/** A workflow run of `doc` that has not started. */
export function workflowRunOf(doc: WorkflowDoc): WorkflowRun {
  const { file, layer, overrides: _o, ...body } = doc;
  return {
    name: doc.name,
    file,
    layer,
    doc: body as unknown as Record<string, unknown>,
    state: initialWorkflowState(),
    phase_entered: false,
    step_budget: null,
    sub_chain: null,
  };
}

/** The built-in workflow `name` (workflows/NAME.yaml of the package). Throws when it is missing or invalid. */
export async function builtinWorkflowRun(name: string): Promise<WorkflowRun> {
  const file = path.join(builtinWorkflowsDir(), `${name}.yaml`);
  const { docs, issues } = await readWorkflowFiles([file], 'built-in', null);
  if (!docs[0]) throw new Error(`the built-in workflow ${name} is not valid: ${issues[0]?.problem ?? file}`);
  return workflowRunOf(docs[0]);
}

/**
 * The one-step workflow of a single-prompt chain (`prompt run NAME`, an eval case): prompt `name`
 * with `focus`, run as `phase` (its tools are that phase's).
 */
export function singlePromptRun(name: string, focus: string | null, phase: Phase): WorkflowRun {
  return {
    name: 'prompt',
    file: '(prompt run)',
    layer: 'built-in',
    doc: {
      name: 'prompt',
      description: `The one prompt ${name}, run alone.`,
      steps: [{ prompt: name, as_phase: phase, ...(focus ? { focus } : {}) }],
    },
    state: initialWorkflowState(),
    phase_entered: false,
    step_budget: null,
    sub_chain: null,
  };
}

/**
 * The stack that points at the step at dotted path `at` (`steps.3`, `steps.2.then.0`,
 * `steps.1.loop.steps.0` — a loop body is taken at its first pass). Pure.
 */
export function stackAt(at: string): WorkflowFrame[] {
  const parts = at.split('.');
  const frames: WorkflowFrame[] = [];
  const block: string[] = [];
  for (const part of parts) {
    if (/^\d+$/.test(part)) {
      const name = block.join('.');
      frames.push({ block: name, i: Number(part), pass: name.endsWith('.loop.steps') ? 1 : null });
    }
    block.push(part);
  }
  return frames;
}

/**
 * The first `phase` step of `wf` for `phase`, as the interpreter would await it, or null when
 * the workflow has none. Pure.
 */
export function phaseStepOf(
  wf: WorkflowFile,
  phase: Phase,
): { stack: WorkflowFrame[]; effect: Extract<WorkflowEffect, { kind: 'phase' }> } | null {
  const found = walkSteps(wf.steps).find(({ step }) => 'phase' in step && step.phase === phase);
  if (!found || !('phase' in found.step)) return null;
  const step = found.step;
  return {
    stack: stackAt(found.at),
    effect: {
      kind: 'phase',
      at: found.at,
      phase: step.phase,
      budget_usd: step.budget_usd ?? null,
      tier: step.model ?? null,
    },
  };
}

/**
 * Re-positions `run` (a workflow of `wf`) at its `phase` step with the phase already entered: the
 * machine's own state goes on from where it is. Returns false (the run unchanged) when the
 * workflow has no step for that phase.
 */
export function positionAtPhase(run: WorkflowRun, wf: WorkflowFile, phase: Phase): boolean {
  const at = phaseStepOf(wf, phase);
  if (!at) return false;
  run.state = { ...run.state, stack: at.stack, awaiting: at.effect };
  run.phase_entered = true;
  run.step_budget = null;
  run.sub_chain = null;
  return true;
}

/**
 * Positions `run` (a split workflow of `wf`, not started) where split `ctx` is — a context file
 * written by the split driver of older versions, which kept its progress only in `ctx.split`: not
 * started without a plan, else the interpreter is replayed over the steps already done (the plan,
 * then the approval), so the run awaits the approval or the parts. Returns false (the run
 * unchanged) for a chain without a split. Pure.
 */
export function positionSplit(run: WorkflowRun, wf: WorkflowFile, ctx: ChainContext): boolean {
  const split = ctx.split;
  if (!split?.plan) return false;
  const facts = factsOf(ctx, 0);
  let t = workflowTransition(run.state, { type: 'start', facts }, wf);
  const done = (kind: WorkflowEffect['kind'], gate?: string) => {
    const a = t.state.awaiting;
    if (a?.kind !== kind || (gate && !(a.kind === 'gate' && a.gate === gate))) return false;
    t = workflowTransition(t.state, { type: 'done', facts, note: 'done by an earlier version' }, wf);
    return true;
  };
  if (done('plan_split') && split.approved) done('gate', 'split');
  run.state = t.state;
  return true;
}

/**
 * A split driven again after its workflow went past its parts (`awaiting: complete`, yet the chain
 * is not complete: a part's patch went missing, so `apply` sent the human to `resume`) goes back
 * to its parts step, which takes what is missing again and runs nothing that is done. Returns
 * true when `run` was re-positioned (its history keeps the earlier steps and notes the reopening).
 * Pure.
 */
export function reopenSplitParts(run: WorkflowRun, wf: WorkflowFile, ctx: ChainContext): boolean {
  if (run.state.awaiting?.kind !== 'complete' || !ctx.split?.approved) return false;
  const fresh: WorkflowRun = { ...run, state: initialWorkflowState() };
  positionSplit(fresh, wf, ctx);
  const parts = fresh.state.awaiting;
  if (parts?.kind !== 'sub_chains') return false;
  run.state = {
    stack: fresh.state.stack,
    awaiting: parts,
    history: [
      ...run.state.history,
      { at: parts.at, kind: 'sub_chains', outcome: 'reopened: the split was resumed after its parts' },
    ],
  };
  run.step_budget = null;
  run.sub_chain = null;
  return true;
}
