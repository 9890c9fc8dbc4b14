/**
 * The one driver loop. Every chain runs a workflow (`feature`, the phase machine's whole flow,
 * unless another was chosen): the pure interpreter (src/workflows/interpreter.ts) gives the next
 * effect, an effect module performs it (./effects/), the interpreter takes the outcome, and the
 * chain is saved after every transition, so a crash or an interrupt loses nothing that `resume`
 * would have to repeat. A `phase` step runs the phase machine for that phase (./effects/phase.ts);
 * a split (workflows/split.yaml) plans its parts, has them approved, and runs each as a sub-chain
 * (./effects/split.ts, ./effects/subChain.ts).
 * Budgets: the chain's --max-cost, the running step's `budget_usd` (all its calls, parallel
 * branches included) and a branch's own `budget_usd` are checked before every call (./promptRun.ts).
 */
import type { WorkflowEffect } from '../chain/schema.js';
import { InterruptedError } from '../errors.js';
import { mayBeInGitRepository } from '../git/discover.js';
import { git } from '../git/run.js';
import { seededQuestionsOpen } from '../patterns/apply.js';
import { factsOf } from '../workflows/facts.js';
import { workflowTransition, type WorkflowEvent } from '../workflows/interpreter.js';
import { walkSteps } from '../workflows/walk.js';
import { WorkflowFileSchema, type WorkflowFile } from '../workflows/schema.js';
import type { DriveDeps } from './deps.js';
import { finish, stopped, type DriveOutcome } from './effects/finish.js';
import type { StepOutcome } from './effects/outcome.js';
import { runPhaseStep } from './effects/phase.js';
import { planSplitEffect, splitGateEffect } from './effects/split.js';
import { gateStepEffect, parallelStepEffect, promptStepEffect, testsStepEffect } from './effects/steps.js';
import { subChainsStepEffect, subChainStepEffect, type SubChainRunner } from './effects/subChain.js';
import { askQuestions } from './gates.js';
import type { ChainSession } from './session.js';
import { resolveTestCommand } from './testCommand.js';

/** Commits on HEAD of `root` (0 when it is not a git repository or has none). */
async function gitCommitCount(root: string): Promise<number> {
  if (!(await mayBeInGitRepository(root))) return 0;
  const r = await git(root, ['rev-list', '--count', 'HEAD']);
  const n = Number(String(r.stdout).trim());
  return r.exitCode === 0 && Number.isInteger(n) ? n : 0;
}

/**
 * Whether a workflow runs the test command or shows a baseline: a `tests` step, a `phase` step
 * (the solution gate and the implementation), an approval gate, or a prompt that runs as
 * `implementation` (where run_tests is one of its tools).
 */
function workflowRunsTests(wf: WorkflowFile): boolean {
  return walkSteps(wf.steps).some(
    ({ step }) =>
      'tests' in step ||
      ('phase' in step && (step.phase === 'implementation' || step.phase === 'solution-approval')) ||
      ('gate' in step && step.gate === 'approval') ||
      ('prompt' in step && step.as_phase === 'implementation'),
  );
}

/** The chain's workflow file, re-validated; a stored file that no longer validates fails the chain. */
function workflowOf(session: ChainSession): WorkflowFile {
  const run = session.ctx.workflow!;
  const parsed = WorkflowFileSchema.safeParse(run.doc);
  if (!parsed.success)
    throw new Error(
      `the workflow ${run.name} stored in this chain is not valid: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

/** Performs one workflow effect (not complete/fail) with its effect module. */
function performStep(
  session: ChainSession,
  deps: DriveDeps,
  effect: Exclude<WorkflowEffect, { kind: 'complete' | 'fail' }>,
  runner: SubChainRunner,
  signal?: AbortSignal,
): Promise<StepOutcome> {
  switch (effect.kind) {
    case 'prompt':
      return promptStepEffect(session, deps, effect);
    case 'parallel':
      return parallelStepEffect(session, deps, effect);
    case 'phase':
      return runPhaseStep(session, deps, effect, signal);
    case 'gate':
      return effect.gate === 'split'
        ? splitGateEffect(session, deps, effect)
        : gateStepEffect(session, deps, effect);
    case 'tests':
      return testsStepEffect(session, deps, effect);
    case 'chain':
      return subChainStepEffect(session, deps, effect, runner);
    case 'plan_split':
      return planSplitEffect(session, deps, effect);
    case 'sub_chains':
      return subChainsStepEffect(session, deps, effect, runner);
  }
}

/**
 * Drives the chain in `session` (its `workflow` set) until it completes, fails, pauses
 * (--until) or a gate needs a human. Returns the final status; throws what the caller maps to an
 * exit code after the save (AwaitingInputError, BudgetExceededError, LlmApiError,
 * InterruptedError). `runner` drives the sub-chains of `chain` and `sub_chains` steps.
 */
export async function driveChain(
  session: ChainSession,
  deps: DriveDeps,
  runner: SubChainRunner,
  signal?: AbortSignal,
): Promise<DriveOutcome> {
  const wf = workflowOf(session);
  session.ctx.status = 'running';
  session.ctx.error = null;
  const commits = await gitCommitCount(deps.workspace);
  const facts = () => factsOf(session.ctx, commits);
  const apply = async (event: WorkflowEvent) => {
    const run = session.ctx.workflow!;
    const t = workflowTransition(run.state, event, wf);
    run.state = t.state;
    run.phase_entered = false;
    run.step_budget = null;
    run.sub_chain = null;
    session.ctx.machine = { ...session.ctx.machine, seq: session.ctx.machine.seq + 1 };
    await session.save();
  };
  try {
    const started = session.ctx.workflow!.state.awaiting !== null;
    // A pattern's questions (its answers as the proposed defaults) are asked before the first call.
    if (!started && seededQuestionsOpen(session.ctx)) await askQuestions(session, deps);
    // The test command (config, the workspace's files, or a question) before the first call; a
    // workflow that never runs tests nor shows a baseline (review, docs) is never asked for one,
    // nor is a single prompt (its run_tests falls back to the configured command).
    const single = session.ctx.single_prompt !== null;
    if (!single && workflowRunsTests(wf)) await resolveTestCommand(session, deps);
    if (!started) {
      if (wf.name !== 'feature' && !single && !session.ctx.split)
        deps.ui.progress.info(`workflow ${wf.name}: ${wf.steps.length} step(s)`);
      await apply({ type: 'start', facts: facts() });
    } else if (session.ctx.workflow!.phase_entered) {
      deps.ui.progress.phase(session.ctx.current_phase);
    }
    for (;;) {
      if (signal?.aborted) throw new InterruptedError();
      const run = session.ctx.workflow!;
      const effect = run.state.awaiting!;
      if (effect.kind === 'complete') {
        session.exitPhase(single ? `${session.ctx.single_prompt} ran` : `workflow ${wf.name} complete`);
        return await finish(session, 'complete', null, deps);
      }
      if (effect.kind === 'fail') return await finish(session, 'failed', effect.reason, deps);
      const budget = 'budget_usd' in effect ? effect.budget_usd : null;
      if (budget !== null && run.step_budget?.at !== effect.at) {
        run.step_budget = { at: effect.at, usd: budget, from_call: session.ctx.calls.length };
        await session.save();
      }
      const outcome = await performStep(session, deps, effect, runner, signal);
      if ('paused' in outcome) return 'paused';
      if ('rejected' in outcome) {
        await apply({ type: 'rejected', reason: outcome.rejected });
        continue;
      }
      await apply({ type: 'done', facts: facts(), note: outcome.note });
      if (outcome.pauseAfter) {
        session.ctx.status = 'paused';
        await session.save();
        deps.ui.progress.info(outcome.pauseAfter);
        return 'paused';
      }
    }
  } catch (err) {
    return stopped(session, err);
  }
}
