/**
 * Drives a chain that runs a workflow (`--workflow NAME`, not the feature flow): asks the pure
 * interpreter (src/workflows/interpreter.ts) for the next step, performs it, and saves after every
 * transition, like the phase driver (src/engine/drive.ts). A `phase` step hands the chain to the
 * phase machine from that phase's entry until the machine leaves it forward (a rejection or an
 * analysis loop that walks back stays inside the step) or completes. Budgets: the chain's
 * --max-cost, the running step's `budget_usd` (all its calls, parallel branches included) and a
 * branch's own `budget_usd` are all checked before every call (src/engine/promptRun.ts).
 */
import { checksAfterGreenTests } from './checks.js';
import { PHASES, type Effect, type Phase, type PromptRun, type WorkflowEffect } from '../chain/schema.js';
import path from 'node:path';
import { AwaitingInputError, InterruptedError } from '../errors.js';
import { decideSolution } from '../memory/fold.js';
import type { Findings } from '../phases/protocol.js';
import { git } from '../git/run.js';
import { resolveTestCommand, runChainTests } from './testing.js';
import { factsOf } from '../workflows/facts.js';
import { workflowTransition, type WorkflowEvent } from '../workflows/interpreter.js';
import { walkSteps } from '../workflows/parse.js';
import { WorkflowFileSchema, type WorkflowFile } from '../workflows/schema.js';
import type { DriveDeps } from './deps.js';
import {
  applyMachineEvent,
  finish,
  mapBounded,
  performWithRecovery,
  settingsOf,
  stopped,
  takeCheckpoint,
  type DriveOutcome,
} from './drive.js';
import { approvalGate, askQuestions } from './gates.js';
import { FamilyBudget, type ChainSession } from './session.js';
import { promptStep } from './steps.js';
import { maintainMemory } from './upkeep.js';

/** Commits on HEAD of `root` (0 when it is not a git repository or has none). */
export async function gitCommitCount(root: string): Promise<number> {
  const r = await git(root, ['rev-list', '--count', 'HEAD']);
  const n = Number(String(r.stdout).trim());
  return r.exitCode === 0 && Number.isInteger(n) ? n : 0;
}

/** The machine's first effect when a workflow enters `phase` (what the machine does on entering it). */
export function phaseEntry(phase: Phase, hasSolution: boolean): Effect {
  const prompt = (name: string): Effect => ({ kind: 'prompt', run: { name, focus: null } });
  switch (phase) {
    case 'requirements-clarification':
      return prompt('new_case');
    case 'context-building':
      return { kind: 'decide' };
    case 'uncertainty-analysis':
      return prompt('uncertainty_analysis');
    case 'solution-approval':
      return prompt(hasSolution ? 'solution_presenter' : 'solution_synthesizer');
    case 'implementation':
      return prompt('solution_designer');
    case 'deployment-readiness':
      return prompt('deployment_checker');
  }
}

/** `effect` with a step's model tier on every prompt it runs. */
function withTier(effect: Effect, tier: PromptRun['tier'] | null): Effect {
  if (!tier) return effect;
  if (effect.kind === 'prompt') return { ...effect, run: { ...effect.run, tier } };
  if (effect.kind === 'batch') return { ...effect, runs: effect.runs.map((r) => ({ ...r, tier })) };
  return effect;
}

/** Opens a phase_history record for `phase` unless it is the open one. */
function setPhase(session: ChainSession, deps: DriveDeps, phase: Phase, reason: string): void {
  const open = session.ctx.phase_history.at(-1);
  if (open && open.ended_at === null && open.phase === phase) return;
  session.exitPhase(reason);
  session.enterPhase(phase);
  deps.ui.progress.phase(phase);
}

type StepOutcome = { note: string } | { rejected: string };

/**
 * Before a workflow prompt first runs as implementation (it may write files), saves the
 * workspace as a git ref, as the machine does before its first write, so `rollback` can undo.
 */
async function checkpointBeforeWrites(
  session: ChainSession,
  deps: DriveDeps,
  runs: PromptRun[],
): Promise<void> {
  if (
    !runs.some((r) => r.as_phase === 'implementation') ||
    session.ctx.checkpoints.some((k) => k.phase === 'implementation')
  )
    return;
  const checkpoint = await takeCheckpoint(session, deps);
  if (!checkpoint)
    deps.ui.progress.warn(
      'the workspace is not a git repository: no checkpoint, so `rollback` will not be available',
    );
  await session.save();
}

/**
 * Runs phase step `effect`: the machine from the phase's entry (or from where a resumed chain
 * left it) until it leaves the phase forward, completes or fails. Returns the outcome.
 */
async function runPhase(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'phase' }>,
  signal?: AbortSignal,
): Promise<StepOutcome> {
  const settings = settingsOf(deps);
  const run = session.ctx.workflow!;
  const target = PHASES.indexOf(effect.phase);
  if (!run.phase_entered) {
    setPhase(session, deps, effect.phase, `workflow step ${effect.at}`);
    const m = session.ctx.machine;
    session.ctx.machine = {
      ...m,
      phase: effect.phase,
      awaiting: phaseEntry(effect.phase, session.ctx.solution_versions.length > 0),
      seq: m.seq + 1,
      ...(effect.phase === 'context-building' ? { context_iterations: 0 } : {}),
    };
    run.phase_entered = true;
    await session.save();
  }
  for (;;) {
    if (signal?.aborted) throw new InterruptedError();
    const inner = session.ctx.machine.awaiting!;
    if (inner.kind === 'complete') return { note: `${effect.phase}: the machine completed` };
    if (inner.kind === 'fail') return { rejected: `${effect.phase}: ${inner.reason}` };
    const event = await performWithRecovery(withTier(inner, effect.tier), session, deps);
    const t = applyMachineEvent(session, event, settings);
    if (t.exited) {
      const terminal = t.effect.kind === 'complete' || t.effect.kind === 'fail';
      if (t.effect.kind === 'fail') {
        await session.save();
        return { rejected: `${effect.phase}: ${t.effect.reason}` };
      }
      if (terminal || PHASES.indexOf(t.state.phase) > target) {
        session.exitPhase(t.exited.reason);
        await session.save();
        return { note: t.exited.reason };
      }
      // Walked back (a rejection, another analysis loop): the machine goes on inside this step.
      session.exitPhase(t.exited.reason);
      session.enterPhase(t.state.phase);
      deps.ui.progress.phase(t.state.phase);
    }
    await session.save();
  }
}

const summaryOf = (f: Findings) => f.summary;

/** Performs one workflow effect (not complete/fail). */
async function performStep(
  session: ChainSession,
  deps: DriveDeps,
  effect: WorkflowEffect,
  signal?: AbortSignal,
): Promise<StepOutcome> {
  switch (effect.kind) {
    case 'prompt': {
      setPhase(session, deps, effect.run.as_phase ?? 'context-building', `workflow step ${effect.at}`);
      await checkpointBeforeWrites(session, deps, [effect.run]);
      await maintainMemory(session, deps);
      const f = await promptStep(session, deps, effect.run);
      return { note: summaryOf(f) };
    }
    case 'parallel': {
      setPhase(session, deps, effect.runs[0]?.as_phase ?? 'context-building', `workflow step ${effect.at}`);
      await checkpointBeforeWrites(session, deps, effect.runs);
      await maintainMemory(session, deps);
      const found = await mapBounded(effect.runs, effect.max_concurrency, (run) =>
        promptStep(session, deps, run),
      );
      if (!effect.merge)
        return { note: `${found.length} branches: ${effect.runs.map((r) => r.name).join(', ')}` };
      const focus = `Merge the results of the parallel steps ${effect.runs.map((r) => r.name).join(', ')} (their findings are in the chain memory) into one consistent account: agreements, contradictions, and what to do next.`;
      const merged = await promptStep(session, deps, { ...effect.merge, focus: effect.merge.focus ?? focus });
      return { note: `${found.length} branches merged by ${effect.merge.name}: ${merged.summary}` };
    }
    case 'phase':
      return runPhase(session, deps, effect, signal);
    case 'gate': {
      if (effect.gate === 'questions') {
        const open = session.ctx.questions.filter((q) => q.answer === null).length;
        await askQuestions(session, deps);
        return { note: open ? `${open} question(s) answered` : 'no open question' };
      }
      const ctx = session.ctx;
      if (!ctx.solution) {
        // The proposal to approve: the latest solution a step wrote, else the last step's summary.
        const last = [...ctx.steps].reverse().find((s) => s.status === 'complete');
        const r = last?.result as Findings | undefined;
        ctx.solution =
          ctx.solution_versions.at(-1)?.text ?? r?.presentation ?? r?.solution ?? last?.summary ?? null;
      }
      const answer = await approvalGate(session, deps);
      session.ctx = decideSolution(session.ctx, answer.response, session.now());
      if (answer.response === 'approved') return { note: 'approved' };
      return {
        rejected: `not approved at ${effect.at} (${answer.response}${answer.note ? `: ${answer.note}` : ''}); \`claude-exec fork\` can try another answer`,
      };
    }
    case 'tests': {
      setPhase(session, deps, session.ctx.current_phase, `workflow step ${effect.at}`);
      // The chain's own test run (src/engine/testing.ts): recorded with counts and a verdict against the baseline.
      const { run: r } = await runChainTests(session, deps, effect.expect === 'red' ? 'red' : 'green');
      // Passing tests count only with passing checks (./checks.ts); the workflow's `tests` fact reads both.
      const checks =
        effect.expect !== 'red' && r.passed ? await checksAfterGreenTests(session, deps) : { green: true };
      const note = `tests ${r.passed ? 'passed' : 'failed'}${checks.green ? '' : ', but a check failed'}`;
      return { note: `${note}${effect.expect === 'any' ? '' : ` (expected ${effect.expect})`}` };
    }
    case 'chain':
      return runSubChain(session, deps, effect);
    case 'complete':
    case 'fail':
      throw new Error(`workflow effect ${effect.kind} is terminal`);
  }
}

/**
 * A `chain` step: creates a sub-chain (its own context file beside this one, `parent` set, in
 * this workspace) for the step's goal and workflow, drives it, and waits for it. The chain's
 * --max-cost covers both (FamilyBudget). A sub-chain that waits for a human or stops on its budget
 * stops this chain with the same status; `resume` of this chain continues the same sub-chain.
 */
async function runSubChain(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'chain' }>,
): Promise<StepOutcome> {
  const [
    { createChain, findChain, readChainFile },
    { newChainContext },
    { workflowForChain },
    { driveEntry },
  ] = await Promise.all([
    import('../chain/store.js'),
    import('../chain/init.js'),
    import('../features/library/workflows.js'),
    import('./run.js'),
  ]);
  const ctx = session.ctx;
  const run = ctx.workflow!;
  const contextsDir = path.dirname(session.file);
  if (!run.sub_chain) {
    const workflow = await workflowForChain(
      deps.workspace,
      deps.catalog,
      effect.workflow ?? undefined,
      deps.trusted,
    );
    const entry = await createChain(contextsDir, effect.goal, deps.clock(), (chainId, chainUid, slug) =>
      newChainContext({
        chainId,
        chainUid,
        goal: `${effect.goal}\n\n(Started by step ${effect.at} of chain ${ctx.chain_id}: ${ctx.goal})`,
        slug,
        workspace: ctx.workspace,
        model: ctx.model,
        models: ctx.models,
        now: deps.clock(),
        maxCostUsd: ctx.max_cost_usd,
        workflow,
        parent: ctx.chain_id,
      }),
    );
    run.sub_chain = entry.chainId;
    session.ctx.children.push(entry.chainId);
    await session.save();
    deps.ui.progress.info(
      `  sub-chain ${entry.chainId}${effect.workflow ? ` (${effect.workflow})` : ''}: ${effect.goal}`,
    );
  }
  const entry = await findChain([contextsDir], run.sub_chain!);
  let child = await readChainFile(entry.path);
  if (child.status !== 'complete') {
    const limit = session.ctx.max_cost_usd;
    const family = limit === null ? undefined : new FamilyBudget(limit, 0);
    if (family) {
      family.live.add(session);
      session.family = family;
    }
    try {
      const out = await driveEntry(entry, deps, {
        contextsDir,
        verbose: false,
        ...(family ? { family } : {}),
      });
      child = out.ctx;
      if (out.error) {
        if (out.error instanceof AwaitingInputError) {
          session.ctx.status = 'awaiting-input';
          throw new AwaitingInputError(
            `sub-chain ${child.chain_id} of chain ${session.ctx.chain_id}: ${out.error.message}`,
            `${out.error.hint ?? ''} Then \`claude-exec resume ${session.ctx.chain_id}\` continues this chain.`.trim(),
          );
        }
        throw out.error;
      }
    } finally {
      if (family) family.live.delete(session);
      session.family = null;
    }
  }
  if (child.status !== 'complete')
    return {
      rejected: `sub-chain ${child.chain_id} ${child.status}${child.error ? `: ${child.error}` : ''}`,
    };
  const last = [...child.steps].reverse().find((s) => s.status === 'complete');
  return { note: `sub-chain ${child.chain_id} complete${last?.summary ? `: ${last.summary}` : ''}` };
}

/** The chain's workflow file, re-validated; a stored file that no longer validates fails the chain. */
/**
 * Whether a workflow runs the test command: a `tests` step, a `phase: implementation` step, or a
 * prompt that runs as `implementation` (where run_tests is one of its tools).
 */
export function workflowRunsTests(wf: WorkflowFile): boolean {
  return walkSteps(wf.steps).some(
    ({ step }) =>
      'tests' in step ||
      ('phase' in step && step.phase === 'implementation') ||
      ('prompt' in step && step.as_phase === 'implementation'),
  );
}

function workflowOf(session: ChainSession): WorkflowFile {
  const run = session.ctx.workflow!;
  const parsed = WorkflowFileSchema.safeParse(run.doc);
  if (!parsed.success)
    throw new Error(
      `the workflow ${run.name} stored in this chain is not valid: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

/**
 * Drives the workflow chain in `session` until it completes, fails, or a gate needs a human.
 * Returns the final status; throws what the caller maps to an exit code after the save
 * (AwaitingInputError, BudgetExceededError, LlmApiError, InterruptedError), like `drive`.
 */
export async function driveWorkflow(
  session: ChainSession,
  deps: DriveDeps,
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
    // The same test command as the feature flow (config, the workspace's files, or a question), before
    // the first call; a workflow that never runs tests (review, docs) is never asked for one.
    if (workflowRunsTests(wf)) await resolveTestCommand(session, deps);
    if (!session.ctx.workflow!.state.awaiting) {
      deps.ui.progress.info(`workflow ${wf.name}: ${wf.steps.length} step(s)`);
      await apply({ type: 'start', facts: facts() });
    }
    for (;;) {
      if (signal?.aborted) throw new InterruptedError();
      const run = session.ctx.workflow!;
      const effect = run.state.awaiting!;
      if (effect.kind === 'complete') {
        session.exitPhase(`workflow ${wf.name} complete`);
        return await finish(session, 'complete', null);
      }
      if (effect.kind === 'fail') return await finish(session, 'failed', effect.reason);
      const budget = 'budget_usd' in effect ? effect.budget_usd : null;
      if (budget !== null && run.step_budget?.at !== effect.at) {
        run.step_budget = { at: effect.at, usd: budget, from_call: session.ctx.calls.length };
        await session.save();
      }
      const outcome = await performStep(session, deps, effect, signal);
      if ('rejected' in outcome) await apply({ type: 'rejected', reason: outcome.rejected });
      else await apply({ type: 'done', facts: facts(), note: outcome.note });
    }
  } catch (err) {
    return stopped(session, err);
  }
}
