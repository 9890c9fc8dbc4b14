/**
 * The phase machine's effects performed (src/phases/machine.ts): a prompt, a batch of prompts
 * (with the second opinion on quality gates), the selector's decision, questions, the solution
 * gate, a generated prompt, the checkpoint and a test run, each turned into the machine's next
 * event. The `phase` step of a workflow (./phase.ts) runs them.
 */
import type { Effect } from '../../chain/schema.js';
import { StepFailedError } from '../../errors.js';
import { transition, type MachineSettings } from '../../phases/machine.js';
import type { MachineEvent } from '../../phases/types.js';
import { queuedDiscovery } from '../../patterns/apply.js';
import { changedSinceCheckpoint } from '../../tools/git.js';
import { dataBlock } from '../../tools/dataBlock.js';
import { runDigest } from '../../tools/testDigest.js';
import { isTestPath } from '../../tools/writeTools.js';
import { checksAfterGreenTests } from '../checks.js';
import { selectableNames, type BaseDeps, type DriveDeps } from '../deps.js';
import { askQuestions } from '../gates.js';
import { mapBoundedInOrder } from '../mapBounded.js';
import { offerNamedPattern } from '../patternOffer.js';
import { applySecondOpinion } from '../secondOpinion.js';
import type { ChainSession } from '../session.js';
import { decideStep, generateStep, promptStep } from '../steps.js';
import { describeRun, runChainTests } from '../testing.js';
import { maintainMemory, recoveredThisEffect, recoverFromFailure } from '../upkeep.js';
import { checkpointBeforeWrites } from './checkpoint.js';
import { updateSpec } from './finish.js';
import { solutionGate } from './gate.js';

/** The machine's settings from the config (thresholds, caps, concurrency, quality gates). */
export function settingsOf(deps: BaseDeps): MachineSettings {
  return {
    thresholds: deps.config.thresholds,
    caps: deps.config.caps,
    concurrency: deps.config.caps.concurrency,
    qualityGates: deps.config.quality_gates.prompts,
  };
}

/**
 * Pure: the warning when test_generator wrote no test file, after `asks` asks again of at most
 * `cap` (caps.test_generation_asks): "asking it again" only while the machine will ask again.
 */
export function noTestsWarning(asks: number, cap: number): string {
  return asks < cap
    ? `test_generator wrote no test file: asking it again (${asks + 1} of ${cap})`
    : `test_generator wrote no test file after ${asks + 1} asks: stopping`;
}

/**
 * Did the implementation add or change a test file? What the write tools recorded, else (a kill
 * between a write and its save) the test files that differ from the git checkpoint, or whose
 * originals were kept; found ones are recorded.
 */
async function testFilesWritten(session: ChainSession, deps: DriveDeps): Promise<boolean> {
  const mem = session.ctx.session_memory;
  if (mem.tests_written.length) return true;
  const checkpoint = session.ctx.checkpoints.find((k) => k.phase === 'implementation');
  const found = checkpoint
    ? await changedSinceCheckpoint(deps.workspace, checkpoint.git_ref, isTestPath)
    : session.ctx.originals.map((o) => o.path).filter(isTestPath);
  for (const rel of found) if (!mem.tests_written.includes(rel)) mem.tests_written.push(rel);
  return found.length > 0;
}

/**
 * new_case may propose another workflow (decision `workflow`, README "Workflows"); a chain of the
 * feature workflow goes on as it was started, and the human is told how to follow the proposal.
 * A chain started with another workflow was given one on purpose: nothing is proposed.
 */
function proposeWorkflow(session: ChainSession, deps: DriveDeps): void {
  const d = session.ctx.decisions.workflow;
  const running = session.ctx.workflow?.name ?? 'feature';
  if (!d || running !== 'feature' || d.choice === 'feature') return;
  const how = d.choice === 'split' ? '--split' : `--workflow ${d.choice}`;
  deps.ui.progress.info(
    `  new_case proposes ${d.choice === 'split' ? 'splitting the task (--split)' : `the ${d.choice} workflow`}: ${d.rationale}. This chain goes on as started; to follow it: claude-exec ${how} "<task>"`,
  );
}

/** Performs one effect of the phase machine and returns the event it produced. */
async function perform(effect: Effect, session: ChainSession, deps: DriveDeps): Promise<MachineEvent> {
  const c = () => session.ctx.confidence_scores;
  switch (effect.kind) {
    case 'prompt': {
      await maintainMemory(session, deps);
      const findings = await promptStep(session, deps, effect.run);
      const name = deps.catalog.get(effect.run.name)?.name ?? effect.run.name;
      if (name === 'new_case') {
        proposeWorkflow(session, deps);
        await offerNamedPattern(session, deps, findings);
      }
      return { type: 'prompt-done', prompt: name, findings, confidence: c() };
    }
    case 'batch': {
      await maintainMemory(session, deps);
      const first = await mapBoundedInOrder(effect.runs, deps.config.caps.concurrency, (run, before) =>
        promptStep(session, deps, run, undefined, before),
      );
      // The quality gates judged again on a second model, when config asks (disagreements wait for the human).
      const findings = await applySecondOpinion(session, deps, effect.runs, first);
      return { type: 'batch-done', findings, confidence: c() };
    }
    case 'decide': {
      // A pattern's discovery prompts run first, without a selector call (src/patterns/apply.ts).
      const queued = queuedDiscovery(session.ctx, selectableNames(deps.catalog, deps.config));
      if (queued)
        return { type: 'decision', decision: queued, known: selectableNames(deps.catalog, deps.config) };
      await maintainMemory(session, deps);
      const { decision, known } = await decideStep(session, deps);
      return { type: 'decision', decision, known };
    }
    case 'ask':
      await askQuestions(session, deps);
      return { type: 'answers' };
    case 'gate': {
      const answer = await solutionGate(session, deps);
      return answer.response === 'approved'
        ? { type: 'approval', response: 'approved', note: '' }
        : { type: 'approval', response: answer.response, note: answer.note };
    }
    case 'generate':
      return { type: 'generated', name: await generateStep(session, deps, effect.gap) };
    case 'checkpoint':
      await checkpointBeforeWrites(session, deps);
      return { type: 'checkpointed' };
    case 'tests': {
      if (effect.expect === 'red' && !(await testFilesWritten(session, deps))) {
        deps.ui.progress.warn(
          noTestsWarning(session.ctx.machine.test_generation_asks, deps.config.caps.test_generation_asks),
        );
        return { type: 'no-tests-written' };
      }
      const { run, output: text } = await runChainTests(session, deps, effect.expect);
      await updateSpec(session, deps);
      // The run's failures (then its summary) become the next prompt's feedback, once: the memory's
      // "Test runs" entry for this run (its `at`) points here instead of repeating them. Test output
      // is workspace text, so it goes as a data block, within the machine's 4,000-character feedback.
      const output = dataBlock(
        'test_output',
        { command: run.argv.join(' '), at: run.at },
        runDigest(run, text),
      );
      const testsPassed =
        effect.expect === 'red' ? run.passed : run.verdict === 'green' || run.verdict === 'no-new-failures';
      // Green needs the checks too (typecheck, lint, build: ../checks.ts); their problems become the feedback.
      if (effect.expect === 'green' && testsPassed) {
        const checks = await checksAfterGreenTests(session, deps);
        if (!checks.green)
          return {
            type: 'tests',
            expect: effect.expect,
            passed: false,
            output: `The tests pass (${describeRun(run)}), but not every check does: fix these, then run_tests and run_check again.\n\n${checks.feedback}`,
          };
      }
      return { type: 'tests', expect: effect.expect, passed: testsPassed, output };
    }
    case 'complete':
    case 'fail':
      throw new Error(`effect ${effect.kind} is terminal`);
  }
}

/**
 * Performs machine effect `effect`; when a step of it fails (no valid result after the
 * corrections), runs error_recovery once for this effect and tries the effect once more (its
 * completed steps are reused). A second failure is thrown.
 */
export async function performWithRecovery(
  effect: Effect,
  session: ChainSession,
  deps: DriveDeps,
): Promise<MachineEvent> {
  try {
    return await perform(effect, session, deps);
  } catch (err) {
    if (!(err instanceof StepFailedError) || recoveredThisEffect(session)) throw err;
    if (!(await recoverFromFailure(session, deps, err))) throw err;
    return perform(effect, session, deps);
  }
}

/**
 * Feeds `event` to the phase machine and stores the result in the chain (not saved yet): the new
 * machine state with its next effect as `awaiting`, the sequence number, one more iteration of the
 * current phase record. Returns the transition (its `exited` says whether a phase ended).
 */
export function applyMachineEvent(
  session: ChainSession,
  event: MachineEvent,
  settings: MachineSettings,
): ReturnType<typeof transition> {
  const t = transition(session.ctx.machine, event, settings);
  const c = session.ctx;
  c.machine = { ...t.state, awaiting: t.effect, seq: c.machine.seq + 1 };
  const record = c.phase_history.at(-1);
  if (record) record.iterations += 1;
  return t;
}
