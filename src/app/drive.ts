/**
 * Drives a chain: performs the machine's next effect, turns its outcome into an event, applies
 * the transition, saves, and repeats until the chain completes, fails, pauses (--until), or a
 * gate needs a human. Every completed call and step is in the context file before the next
 * begins, so a crash or an interrupt loses nothing that `resume` would have to repeat.
 */
import type { ChainContext, Effect, PromptRun } from '../chain/schema.js';
import { AwaitingInputError, BudgetExceededError, ClaudeExecError, InterruptedError, StepFailedError } from '../errors.js';
import { saveGeneratedPrompt, validateGeneratedPrompt } from '../library/generated.js';
import { createCatalog } from '../library/catalog.js';
import { parsePromptFile } from '../library/parse.js';
import { transition, type MachineSettings } from '../phases/machine.js';
import { applyFindings } from '../phases/merge.js';
import { FindingsSchema, type Findings, type NextPrompts } from '../phases/protocol.js';
import type { ResultToolSpec } from '../llm/types.js';
import type { MachineEvent } from '../phases/types.js';
import { createCheckpoint } from '../tools/git.js';
import { dataBlock } from '../tools/dataBlock.js';
import { createSandbox, createWorkspaceTools, runTestCommand } from '../tools/index.js';
import type { BaseDeps, DriveDeps } from './deps.js';
import { buildPrefix } from './deps.js';
import { approvalGate, approveChange, askQuestions } from './gates.js';
import { FINDINGS_TOOL, NEXT_PROMPTS_TOOL, runPrompt } from './promptRun.js';
import type { ChainSession } from './session.js';
import type { Logger } from '../log.js';

/**
 * Runs `fn` over `items`, at most `limit` at once. After the first failure no new item starts,
 * and the error is thrown only once every running item has settled, so that calls in flight are
 * recorded before the chain stops.
 */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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

/**
 * Runs `run` as a step of the current effect, unless a resumed chain already completed it (then
 * its saved result is returned). `fold` applies the result to the chain and returns the step's
 * summary; the step is then closed.
 */
async function runStep<T>(session: ChainSession, deps: DriveDeps, run: PromptRun, tool: ResultToolSpec<T> | undefined, fold: (value: T) => string): Promise<T> {
  const done = session.ctx.steps.find((s) => s.effect === session.ctx.machine.seq && s.prompt === run.name && s.status === 'complete');
  if (done) return done.result as T;
  const { value, step } = await runPrompt(session, deps, run, tool);
  const summary = fold(value);
  await session.endStep(step, { ok: true, summary, result: value });
  const findings = (value as { findings?: unknown }).findings;
  deps.ui.progress.stepEnd({ n: step.n, prompt: run.name, summary, ok: true, findings: Array.isArray(findings) ? findings.map(String) : undefined });
  return value;
}

/** Runs one prompt and folds its findings into the chain. */
function promptStep(session: ChainSession, deps: DriveDeps, run: PromptRun, resultTool?: ResultToolSpec<Findings>): Promise<Findings> {
  return runStep(session, deps, run, resultTool, (value: Findings) => {
    session.ctx = applyFindings(session.ctx, run.name, value, session.ctx.machine.clarification_rounds + 1);
    return value.summary;
  });
}

/** Context building's decision: prompt_selector answers with choose_next_prompts. */
function decideStep(session: ChainSession, deps: DriveDeps): Promise<NextPrompts> {
  return runStep(session, deps, { name: 'prompt_selector', focus: session.ctx.machine.focus }, NEXT_PROMPTS_TOOL, (value) =>
    value.ready_for_analysis ? `ready for analysis: ${value.rationale}` : `next: ${value.prompts.map((p) => p.name).join(', ') || '(none)'}`,
  );
}

/**
 * The result tool of prompt_generator: record_findings whose `new_prompt.markdown` must be a
 * valid prompt file (same parser and schema as the library) with a name not in the catalog.
 * An invalid file fails validation, so its problems go back to the model for correction.
 */
function generatedPromptTool(deps: DriveDeps): ResultToolSpec<Findings> {
  return {
    ...FINDINGS_TOOL,
    schema: FindingsSchema.superRefine((f, zctx) => {
      if (!f.new_prompt?.markdown) {
        zctx.addIssue({ code: 'custom', path: ['new_prompt', 'markdown'], message: 'required: the complete new prompt file' });
        return;
      }
      for (const issue of validateGeneratedPrompt(f.new_prompt.markdown, deps.catalog).issues) {
        zctx.addIssue({ code: 'custom', path: ['new_prompt', 'markdown'], message: `${issue.field}: ${issue.problem}` });
      }
    }),
  };
}

async function generateStep(session: ChainSession, deps: DriveDeps, gap: string): Promise<string | null> {
  let findings: Findings;
  try {
    findings = await promptStep(session, deps, { name: 'prompt_generator', focus: gap }, generatedPromptTool(deps));
  } catch (err) {
    if (!(err instanceof StepFailedError)) throw err;
    deps.ui.progress.warn(`no valid prompt was generated: ${err.message}`);
    return null;
  }
  const markdown = findings.new_prompt!.markdown;
  // A resumed chain may have saved this prompt already (it is then in the workspace layer).
  const name = parsePromptFile(markdown, 'generated.md', 'custom').doc?.name;
  const saved = name ? deps.catalog.get(name) : undefined;
  if (saved && saved.category === 'custom' && session.ctx.generated_prompts.some((g) => g.name === name)) return saved.name;
  const { doc } = validateGeneratedPrompt(markdown, deps.catalog);
  if (!doc) return saved?.category === 'custom' ? saved.name : null;
  const file = await saveGeneratedPrompt(deps.workspace, doc, markdown);
  // The catalog text in the cached prefix stays as it was; the new prompt is runnable by name.
  deps.catalog = createCatalog([...deps.catalog.prompts, { ...doc, file, layer: 'workspace' }]);
  session.ctx.generated_prompts.push({ name: doc.name, reason: gap, path: file });
  deps.ui.progress.info(`  new prompt ${doc.name} saved to ${file}`);
  return doc.name;
}

/** Performs one effect and returns the event it produced. */
async function perform(effect: Effect, session: ChainSession, deps: DriveDeps): Promise<MachineEvent> {
  const c = () => session.ctx.confidence_scores;
  switch (effect.kind) {
    case 'prompt': {
      const findings = await promptStep(session, deps, effect.run);
      return { type: 'prompt-done', prompt: effect.run.name, findings, confidence: c() };
    }
    case 'batch': {
      const findings = await mapBounded(effect.runs, deps.config.caps.concurrency, (run) => promptStep(session, deps, run));
      return { type: 'batch-done', findings, confidence: c() };
    }
    case 'decide': {
      const decision = await decideStep(session, deps);
      return { type: 'decision', decision, known: deps.catalog.prompts.map((p) => p.name) };
    }
    case 'ask':
      await askQuestions(session, deps);
      return { type: 'answers' };
    case 'gate': {
      const answer = await approvalGate(session, deps);
      return answer.response === 'approved' ? { type: 'approval', response: 'approved', note: '' } : { type: 'approval', response: answer.response, note: answer.note };
    }
    case 'generate':
      return { type: 'generated', name: await generateStep(session, deps, effect.gap) };
    case 'checkpoint': {
      if (!session.ctx.checkpoints.some((k) => k.phase === 'implementation')) {
        const checkpoint = await createCheckpoint(deps.workspace, session.ctx.chain_id);
        if (checkpoint) session.ctx.checkpoints.push({ phase: 'implementation', git_ref: checkpoint.git_ref, created_at: session.now() });
        else deps.ui.progress.warn('the workspace is not a git repository: no checkpoint, so `rollback` will not be available');
      }
      return { type: 'checkpointed' };
    }
    case 'tests': {
      deps.ui.progress.info(`  running ${deps.config.test_command.join(' ')} (expecting ${effect.expect})`);
      const r = await runTestCommand({ root: deps.workspace, command: deps.config.test_command, timeoutMs: deps.config.limits.test_timeout_ms, maxOutputBytes: deps.config.limits.tool_output_bytes, sandbox: deps.sandbox });
      session.ctx.discovered.last_test_run = `${r.passed ? 'passed' : r.timedOut ? 'timed out' : `failed (exit ${r.exitCode})`} at ${session.now()}`;
      deps.ui.progress.info(`  tests ${r.passed ? 'passed' : 'failed'}`);
      // Test output becomes the next prompt's feedback: it is workspace text, so it goes as a data
      // block, cut to fit the machine's 4,000-character tail so the block stays whole.
      const output = dataBlock('test_output', { command: deps.config.test_command.join(' ') }, tailChars(r.output, 3600));
      return { type: 'tests', expect: effect.expect, passed: r.passed, output };
    }
    case 'complete':
    case 'fail':
      throw new Error(`effect ${effect.kind} is terminal`);
  }
}

/** The last `max` characters of `text`, from a line start when one is near. */
function tailChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(-max);
  const nl = cut.indexOf('\n');
  return `…${nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut}`;
}

function settingsOf(deps: BaseDeps): MachineSettings {
  return { thresholds: deps.config.thresholds, caps: deps.config.caps, concurrency: deps.config.caps.concurrency };
}

/** Creates the per-chain deps (tools bound to this session's gates, the cached prefix). */
export function bindDeps(session: ChainSession, base: BaseDeps, log: Logger): DriveDeps {
  const sandbox = createSandbox(base.config.sandbox, (text) => base.ui.progress.warn(text));
  const deps: DriveDeps = { ...base, prefix: buildPrefix(base.catalog, base.rules), tools: [], log, sandbox };
  deps.tools = createWorkspaceTools({
    root: base.workspace,
    sandbox,
    testCommand: base.config.test_command,
    limits: base.config.limits,
    approve: (change) => approveChange(session, deps, change),
    onWritten: (rel, { isTest }) => {
      const mem = session.ctx.session_memory;
      if (!mem.files_modified.includes(rel)) mem.files_modified.push(rel);
      if (isTest && !mem.tests_written.includes(rel)) mem.tests_written.push(rel);
    },
  });
  return deps;
}

export type DriveOutcome = ChainContext['status'];

/**
 * Drives the chain in `session` until it stops. Returns the final status; the context on disk
 * holds why. Throws only what the caller must map to an exit code after the context was saved
 * (AwaitingInputError, BudgetExceededError, LlmApiError, InterruptedError).
 */
export async function drive(session: ChainSession, deps: DriveDeps, signal?: AbortSignal): Promise<DriveOutcome> {
  const settings = settingsOf(deps);
  const ctx = session.ctx;
  ctx.status = 'running';
  ctx.error = null;
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
    for (;;) {
      if (signal?.aborted) throw new InterruptedError();
      const effect = session.ctx.machine.awaiting!;
      if (effect.kind === 'gate' && session.ctx.until_phase === 'solution-approval' && !session.ctx.gate_response) return await pauseAtGate(session, deps);
      if (effect.kind === 'complete') return await finish(session, 'complete', null);
      if (effect.kind === 'fail') return await finish(session, 'failed', effect.reason);
      const event = await perform(effect, session, deps);
      const t = transition(session.ctx.machine, event, settings);
      const c = session.ctx;
      c.machine = { ...t.state, awaiting: t.effect, seq: c.machine.seq + 1 };
      const record = c.phase_history.at(-1);
      if (record) record.iterations += 1;
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
          deps.ui.progress.info(`stopped after ${t.exited.phase} as --until asked; continue with \`claude-exec resume ${c.chain_id}\``);
          return 'paused';
        }
      }
      await session.save();
    }
  } catch (err) {
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
      return await finish(session, 'failed', err.message);
    } else {
      c.status = 'failed';
      c.error = err instanceof ClaudeExecError ? err.message : String((err as Error)?.message ?? err);
    }
    await session.save();
    throw err;
  }
}

/**
 * `--until solution-approval`: stop AT the gate with the solution presented and nothing
 * approved (status `paused`, the approval pending), so `approve ID` or `resume ID` answers it.
 */
async function pauseAtGate(session: ChainSession, deps: DriveDeps): Promise<DriveOutcome> {
  const c = session.ctx;
  c.status = 'paused';
  c.until_phase = null;
  c.pending = { kind: 'approval', presented: c.solution ?? '(no solution text was produced)' };
  await session.save();
  deps.ui.progress.info(`stopped at the solution gate as --until asked; nothing was approved. Approve with \`claude-exec approve ${c.chain_id}\` (or --reject "why").`);
  return 'paused';
}

async function finish(session: ChainSession, status: 'complete' | 'failed', reason: string | null): Promise<DriveOutcome> {
  const c = session.ctx;
  if (status === 'failed') session.exitPhase(`failed: ${reason}`);
  c.status = status;
  c.error = reason;
  c.pending = null;
  await session.save();
  return status;
}
