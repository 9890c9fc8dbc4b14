/**
 * Drives a chain: performs the machine's next effect, turns its outcome into an event, applies
 * the transition, saves, and repeats until the chain completes, fails, pauses (--until), or a
 * gate needs a human. Every completed call and step is in the context file before the next
 * begins, so a crash or an interrupt loses nothing that `resume` would have to repeat.
 */
import path from 'node:path';
import type { ChainContext, Effect } from '../chain/schema.js';
import type { CostClasses } from '../library/catalog.js';
import {
  AwaitingInputError,
  BudgetExceededError,
  ClaudeExecError,
  InterruptedError,
  StepFailedError,
} from '../errors.js';
import { decideSolution } from '../memory/fold.js';
import { transition, type MachineSettings } from '../phases/machine.js';
import type { MachineEvent } from '../phases/types.js';
import { changedSinceCheckpoint, createCheckpoint } from '../tools/git.js';
import { fileHash } from './rollbackSafety.js';
import { isTestPath } from '../tools/writeTools.js';
import { runDigest } from '../tools/testDigest.js';
import { dataBlock } from '../tools/dataBlock.js';
import { createSandbox, createWorkspaceTools } from '../tools/index.js';
import type { BaseDeps, DriveDeps } from './deps.js';
import { buildPrefix, selectableNames } from './deps.js';
import { approvalGate, approveChange, askQuestions } from './gates.js';
import { emitHook, modelTestRun } from './hooks.js';
import { keepOriginal, originalsDir } from './originals.js';
import { recordChainCosts } from '../features/learning/promptCosts.js';
import { patternAdaptations, queuedDiscovery, seededQuestionsOpen } from '../patterns/apply.js';
import { offerNamedPattern } from './patternOffer.js';
import type { ChainSession } from './session.js';
import { applySecondOpinion } from './secondOpinion.js';
import { decideStep, generateStep, promptStep } from './steps.js';
import { gateNotes, specPath, specsDirOf, writeSpecFiles } from './spec.js';
import { describeRun, ensureBaseline, resolveTestCommand, runChainTests, testArgv } from './testing.js';
import { chainChecks, checksAfterGreenTests } from './checks.js';
import { debugFailedChain, maintainMemory, recoveredThisEffect, recoverFromFailure } from './upkeep.js';
import type { Logger } from '../log.js';
import type { McpTools } from '../mcp/index.js';

/**
 * Runs `fn` over `items`, at most `limit` at once. After the first failure no new item starts,
 * and the error is thrown only once every running item has settled, so that calls in flight are
 * recorded before the chain stops.
 */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return out;
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
      const first = await mapBounded(effect.runs, deps.config.caps.concurrency, (run) =>
        promptStep(session, deps, run),
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
      const answer = await approvalGate(session, deps);
      session.ctx = decideSolution(session.ctx, answer.response, session.now());
      return answer.response === 'approved'
        ? { type: 'approval', response: 'approved', note: '' }
        : { type: 'approval', response: answer.response, note: answer.note };
    }
    case 'generate':
      return { type: 'generated', name: await generateStep(session, deps, effect.gap) };
    case 'checkpoint': {
      if (!session.ctx.checkpoints.some((k) => k.phase === 'implementation')) {
        const checkpoint = await takeCheckpoint(session, deps);
        if (!checkpoint) {
          deps.ui.progress.warn(
            `the workspace is not a git repository: the original of every file the chain changes is kept in ${path.basename(originalsDir(session.file))}/ beside the context file, so \`rollback\` can restore it`,
          );
        }
        // The baseline again when the workspace changed since it ran (before any change of ours).
        await ensureBaseline(session, deps, true);
      }
      return { type: 'checkpointed' };
    }
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
      // Green needs the checks too (typecheck, lint, build: ./checks.ts); their problems become the feedback.
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
 * Saves the workspace as the chain's pre-implementation checkpoint (src/tools/git.ts) and records
 * it in the context (not saved here); the contexts directory is left out wherever it is (inside
 * the workspace, ignored or not, or elsewhere), and files over limits.checkpoint_file_bytes are
 * left out with a warning. Returns null when the workspace is not in a git work tree.
 */
export async function takeCheckpoint(
  session: ChainSession,
  deps: DriveDeps,
): Promise<{ git_ref: string; left_out: string[] } | null> {
  const contextsRel = path
    .relative(path.resolve(deps.workspace), path.dirname(path.resolve(session.file)))
    .split(path.sep)
    .join('/');
  const exclude =
    contextsRel && contextsRel !== '.' && !contextsRel.startsWith('..') && !path.isAbsolute(contextsRel)
      ? [contextsRel]
      : [];
  const checkpoint = await createCheckpoint(deps.workspace, session.ctx.chain_id, {
    exclude,
    maxFileBytes: deps.config.limits.checkpoint_file_bytes,
  });
  if (!checkpoint) return null;
  session.ctx.checkpoints.push({
    phase: 'implementation',
    git_ref: checkpoint.git_ref,
    created_at: session.now(),
    left_out: checkpoint.left_out,
  });
  if (checkpoint.left_out.length)
    deps.ui.progress.warn(
      `left out of the checkpoint for their size (over ${deps.config.limits.checkpoint_file_bytes} bytes): ${checkpoint.left_out.join(', ')}`,
    );
  return checkpoint;
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
 * new_case may propose another workflow (decision `workflow`, README "Workflows"); the chain goes
 * on as it was started, and the human is told how to follow the proposal.
 */
function proposeWorkflow(session: ChainSession, deps: DriveDeps): void {
  const d = session.ctx.decisions.workflow;
  if (!d || session.ctx.workflow || d.choice === 'feature') return;
  const how = d.choice === 'split' ? '--split' : `--workflow ${d.choice}`;
  deps.ui.progress.info(
    `  new_case proposes ${d.choice === 'split' ? 'splitting the task (--split)' : `the ${d.choice} workflow`}: ${d.rationale}. This chain goes on as started; to follow it: claude-exec ${how} "<task>"`,
  );
}

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
 * Performs `effect`; when a step of it fails (no valid result after the corrections), runs
 * error_recovery once for this effect and tries the effect once more (its completed steps are
 * reused). A second failure is thrown.
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
 * Creates the per-chain deps (tools bound to this session's gates, the cached prefix) and records
 * on the chain which AGENTS.md / CLAUDE.md its prefix holds.
 * `costClasses`: measured cost classes for the selector's catalog (src/features/learning/promptCosts.ts); `mcp`:
 * the tools of the run's MCP servers, added after the workspace tools and to the catalog.
 */
export function bindDeps(
  session: ChainSession,
  base: BaseDeps,
  log: Logger,
  costClasses: CostClasses = {},
  mcp?: Pick<McpTools, 'tools' | 'planned' | 'catalog'> | null,
): DriveDeps {
  const { sandbox_env: env, sandbox_env_files: envFiles, sandbox_limits: limits } = base.config;
  const sandbox = createSandbox(base.config.sandbox, (text) => base.ui.progress.warn(text), {
    policy: { env, envFiles, limits },
  });
  const prefix = buildPrefix(base.catalog, base.rules, base.config, costClasses, base.instructions);
  if (mcp?.catalog) prefix.catalog += mcp.catalog;
  const checks = chainChecks(base.workspace, base.config);
  const deps: DriveDeps = {
    ...base,
    prefix,
    tools: [],
    log,
    sandbox,
    checks,
    ...(mcp?.planned.length ? { mcpTools: mcp.planned } : {}),
  };
  session.ctx.instructions = (base.instructions ?? []).map((f) => f.file);
  deps.tools = createWorkspaceTools({
    root: base.workspace,
    contextsDir: path.dirname(path.resolve(session.file)),
    sandbox,
    checks,
    testCommand: () => testArgv(session.ctx, base),
    limits: base.config.limits,
    approve: async (change) => {
      const decision = await approveChange(session, deps, change);
      // Without git, the file's original is kept before its first change, so that rollback works.
      if (decision.approved && (await keepOriginal(session.ctx, session.file, change.path)))
        await session.save();
      return decision;
    },
    onTestRun: (argv, r) =>
      emitHook(session, deps, 'test_run', { tests: modelTestRun(argv, r) }).then(() => undefined),
    beforeChange: (change) =>
      emitHook(session, deps, 'before_file_change', {
        files: [change.path],
        tool: change.tool,
        diff: change.diff,
      }),
    onWritten: async (rel, { isTest, unchanged }) => {
      const mem = session.ctx.session_memory;
      if (!unchanged && !mem.files_modified.includes(rel)) mem.files_modified.push(rel);
      // Before the hash below: a formatter run by the hook changes the file the chain records.
      if (!unchanged) await emitHook(session, deps, 'after_file_change', { files: [rel] });
      if (mem.files_modified.includes(rel)) {
        const hash = await fileHash(path.join(base.workspace, rel));
        if (hash) session.ctx.written[rel] = hash;
      }
      if (isTest && !mem.tests_written.includes(rel)) mem.tests_written.push(rel);
    },
  });
  if (mcp) deps.tools.push(...mcp.tools);
  return deps;
}

export type DriveOutcome = ChainContext['status'];

/**
 * Drives the chain in `session` until it stops. Returns the final status; the context on disk
 * holds why. Throws only what the caller must map to an exit code after the context was saved
 * (AwaitingInputError, BudgetExceededError, LlmApiError, InterruptedError).
 */
export async function drive(
  session: ChainSession,
  deps: DriveDeps,
  signal?: AbortSignal,
): Promise<DriveOutcome> {
  const settings = settingsOf(deps);
  const ctx = session.ctx;
  ctx.status = 'running';
  ctx.error = null;
  // A pattern's questions (its answers as the proposed defaults) are asked before the first call.
  if (!ctx.machine.awaiting && seededQuestionsOpen(ctx)) {
    try {
      await askQuestions(session, deps);
    } catch (err) {
      return stopped(session, err);
    }
  }
  if (!ctx.machine.awaiting) {
    session.enterPhase(ctx.machine.phase);
    deps.ui.progress.phase(ctx.machine.phase);
    const t = transition(ctx.machine, { type: 'start' }, settings);
    ctx.machine = { ...t.state, awaiting: t.effect, seq: ctx.machine.seq + 1 };
    await session.save();
  } else {
    deps.ui.progress.phase(ctx.current_phase);
  }
  try {
    await resolveTestCommand(session, deps);
    for (;;) {
      if (signal?.aborted) throw new InterruptedError();
      const effect = session.ctx.machine.awaiting!;
      // The baseline runs before the solution is presented, before any change of ours; the spec is written for the reviewer.
      if (effect.kind === 'gate') {
        await ensureBaseline(session, deps);
        await updateSpec(session, deps);
      }
      if (
        effect.kind === 'gate' &&
        session.ctx.until_phase === 'solution-approval' &&
        !session.ctx.gate_response
      )
        return await pauseAtGate(session, deps);
      if (effect.kind === 'complete') return await finish(session, 'complete', null, deps);
      if (effect.kind === 'fail') {
        await debugFailedChain(session, deps, effect.reason);
        return await finish(session, 'failed', effect.reason, deps);
      }
      const event = await performWithRecovery(effect, session, deps);
      const t = applyMachineEvent(session, event, settings);
      const c = session.ctx;
      if (t.exited) {
        session.exitPhase(t.exited.reason);
        deps.log.info({ phase: t.exited.phase, reason: t.exited.reason }, 'phase exited');
        const terminal = t.effect.kind === 'complete' || t.effect.kind === 'fail';
        if (!terminal) {
          session.enterPhase(t.state.phase);
          deps.ui.progress.phase(t.state.phase);
        }
        if (!terminal && c.until_phase === t.exited.phase) {
          c.status = 'paused';
          c.until_phase = null;
          await session.save();
          deps.ui.progress.info(
            `stopped after ${t.exited.phase} as --until asked; continue with \`claude-exec resume ${c.chain_id}\``,
          );
          return 'paused';
        }
      }
      await session.save();
    }
  } catch (err) {
    return stopped(session, err);
  }
}

/**
 * Feeds `event` to the phase machine and stores the result in the chain (not saved yet): the new
 * machine state with its next effect as `awaiting`, the sequence number, one more iteration of the
 * current phase record. Returns the transition (its `exited` says whether a phase ended).
 */
export function applyMachineEvent(
  session: ChainSession,
  event: Parameters<typeof transition>[1],
  settings: MachineSettings,
): ReturnType<typeof transition> {
  const t = transition(session.ctx.machine, event, settings);
  const c = session.ctx;
  c.machine = { ...t.state, awaiting: t.effect, seq: c.machine.seq + 1 };
  const record = c.phase_history.at(-1);
  if (record) record.iterations += 1;
  return t;
}

/**
 * Records why a chain stopped on `err` and saves: a failed step fails the chain (returned as
 * 'failed'); every other error is rethrown after the save (awaiting input, budget, interrupt,
 * API failure).
 */
export async function stopped(session: ChainSession, err: unknown): Promise<DriveOutcome> {
  const c = session.ctx;
  if (err instanceof AwaitingInputError) {
    // The gate saved status and pending already.
  } else if (err instanceof BudgetExceededError) {
    c.status = 'budget-exceeded';
    c.error = err.message;
  } else if (err instanceof InterruptedError) {
    c.status = 'cancelled';
    c.error = 'interrupted';
  } else if (err instanceof StepFailedError) {
    return finish(session, 'failed', err.message);
  } else {
    c.status = 'failed';
    c.error = err instanceof ClaudeExecError ? err.message : String((err as Error)?.message ?? err);
  }
  await session.save();
  throw err;
}

/**
 * `--until solution-approval`: stop AT the gate with the solution presented and nothing
 * approved (status `paused`, the approval pending), so `approve ID` or `resume ID` answers it.
 */
async function pauseAtGate(session: ChainSession, deps: DriveDeps): Promise<DriveOutcome> {
  const c = session.ctx;
  c.status = 'paused';
  c.until_phase = null;
  const spec = specPath(session.file, specsDirOf(deps));
  c.pending = { kind: 'approval', presented: c.solution ?? '(no solution text was produced)' };
  const notes = gateNotes(c, spec);
  if (notes) deps.ui.progress.info(notes.replace(/^\s*---\n/, '').trimEnd());
  await session.save();
  deps.ui.progress.info(
    `stopped at the solution gate as --until asked; nothing was approved. The spec: ${specPath(session.file, specsDirOf(deps))}. Approve with \`claude-exec approve ${c.chain_id}\` (or --reject "why").`,
  );
  return 'paused';
}

/**
 * Rewrites the chain's spec (and, with `final`, its PR description) once a solution exists. A
 * failed write is a warning: the context file, not the spec, is the chain's state.
 */
export async function updateSpec(
  session: ChainSession,
  deps: Pick<BaseDeps, 'config' | 'workspace' | 'ui'>,
  final = false,
): Promise<string | null> {
  const c = session.ctx;
  if (c.single_prompt || (!c.solution_versions.length && !c.solution)) return null;
  try {
    return (await writeSpecFiles(c, session.file, specsDirOf(deps), { final })).spec;
  } catch (err) {
    deps.ui.progress.warn(`could not write the spec: ${(err as Error).message}`);
    return null;
  }
}

/** Ends the chain as complete or failed (with `reason`): writes its spec, saves, and adds its runs to the measured prompt costs. */
export async function finish(
  session: ChainSession,
  status: 'complete' | 'failed',
  reason: string | null,
  deps?: Pick<BaseDeps, 'config' | 'workspace' | 'ui'>,
): Promise<DriveOutcome> {
  const c = session.ctx;
  if (status === 'failed') session.exitPhase(`failed: ${reason}`);
  c.status = status;
  c.error = reason;
  c.pending = null;
  if (c.pattern) c.pattern.adaptations = patternAdaptations(c);
  // The spec first: a kill while it is written leaves the chain unfinished, and its resume (the
  // spec's only writer) removes the half-written temp file and writes it again.
  if (deps) await updateSpec(session, deps, status === 'complete');
  await session.save();
  recordChainCosts(path.dirname(session.file), c);
  return status;
}
