/**
 * A workflow's own step effects (src/workflows/interpreter.ts): a prompt, parallel branches with
 * an optional merge, a test run, and the two gates. The checkpoint before a prompt that runs as
 * implementation, the baseline and spec before an approval gate, are the same effects the phase
 * machine uses (./checkpoint.ts, ./gate.ts).
 */
import type { Phase, WorkflowEffect } from '../../chain/schema.js';
import { checksAfterGreenTests } from '../checks.js';
import type { DriveDeps } from '../deps.js';
import { mapBoundedInOrder } from '../mapBounded.js';
import type { ChainSession } from '../session.js';
import { decideStep, promptStep } from '../steps.js';
import { runChainTests } from '../testing.js';
import { maintainMemory } from '../upkeep.js';
import { checkpointBeforeWrites } from './checkpoint.js';
import { beforeApproval, proposalOf, questionsGate, solutionGate } from './gate.js';
import type { StepOutcome } from './outcome.js';

/** Opens a phase_history record for `phase` unless it is the open one. */
function setPhase(session: ChainSession, deps: DriveDeps, phase: Phase, reason: string): void {
  const open = session.ctx.phase_history.at(-1);
  if (open && open.ended_at === null && open.phase === phase) return;
  session.exitPhase(reason);
  session.enterPhase(phase);
  deps.ui.progress.phase(phase);
}

type Of<K extends WorkflowEffect['kind']> = Extract<WorkflowEffect, { kind: K }>;

/**
 * A `prompt` step: one prompt run, after the checkpoint when it runs as implementation (not for a
 * single-prompt chain, whose write tools keep each file's original instead). prompt_selector
 * answers with choose_next_prompts, as in context building.
 */
export async function promptStepEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Of<'prompt'>,
): Promise<StepOutcome> {
  setPhase(session, deps, effect.run.as_phase ?? 'context-building', `workflow step ${effect.at}`);
  if (effect.run.as_phase === 'implementation' && session.ctx.single_prompt === null) {
    await checkpointBeforeWrites(session, deps);
    await session.save();
  }
  await maintainMemory(session, deps);
  if (deps.catalog.get(effect.run.name)?.name === 'prompt_selector') {
    const { decision } = await decideStep(session, deps, effect.run.focus);
    return { note: decision.rationale };
  }
  const f = await promptStep(session, deps, effect.run);
  return { note: f.summary };
}

/** A `parallel` step: its branches at most `max_concurrency` at once, then the merge prompt if any. */
export async function parallelStepEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Of<'parallel'>,
): Promise<StepOutcome> {
  setPhase(session, deps, effect.runs[0]?.as_phase ?? 'context-building', `workflow step ${effect.at}`);
  if (effect.runs.some((r) => r.as_phase === 'implementation')) {
    await checkpointBeforeWrites(session, deps);
    await session.save();
  }
  await maintainMemory(session, deps);
  const found = await mapBoundedInOrder(effect.runs, effect.max_concurrency, (run, before) =>
    promptStep(session, deps, run, undefined, before),
  );
  if (!effect.merge)
    return { note: `${found.length} branches: ${effect.runs.map((r) => r.name).join(', ')}` };
  const focus = `Merge the results of the parallel steps ${effect.runs.map((r) => r.name).join(', ')} (their findings are in the chain memory) into one consistent account: agreements, contradictions, and what to do next.`;
  const merged = await promptStep(session, deps, { ...effect.merge, focus: effect.merge.focus ?? focus });
  return { note: `${found.length} branches merged by ${effect.merge.name}: ${merged.summary}` };
}

/** A `tests` step: the chain's own test run (with the checks once the tests pass). */
export async function testsStepEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Of<'tests'>,
): Promise<StepOutcome> {
  setPhase(session, deps, session.ctx.current_phase, `workflow step ${effect.at}`);
  // Recorded with counts and a verdict against the baseline (../testing.ts).
  const { run: r } = await runChainTests(session, deps, effect.expect === 'red' ? 'red' : 'green');
  // Passing tests count only with passing checks (../checks.ts); the workflow's `tests` fact reads both.
  const checks =
    effect.expect !== 'red' && r.passed ? await checksAfterGreenTests(session, deps) : { green: true };
  const note = `tests ${r.passed ? 'passed' : 'failed'}${checks.green ? '' : ', but a check failed'}`;
  return { note: `${note}${effect.expect === 'any' ? '' : ` (expected ${effect.expect})`}` };
}

/**
 * A `gate` step: the open questions asked, or the proposal approved — after the baseline and
 * with the spec written, as before the phase machine's solution gate. A rejection fails the workflow.
 */
export async function gateStepEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Of<'gate'>,
): Promise<StepOutcome> {
  if (effect.gate === 'questions') {
    const open = await questionsGate(session, deps);
    return { note: open ? `${open} question(s) answered` : 'no open question' };
  }
  session.ctx.solution = proposalOf(session);
  await beforeApproval(session, deps);
  const answer = await solutionGate(session, deps);
  if (answer.response === 'approved') return { note: 'approved' };
  return {
    rejected: `not approved at ${effect.at} (${answer.response}${answer.note ? `: ${answer.note}` : ''}); \`claude-exec fork\` can try another answer`,
  };
}
