/**
 * Use cases that drive a chain: start a new one, resume one, answer its questions, answer its
 * approval gate. Each takes the driver lock, drives until the chain stops, and returns the
 * outcome as data (with the typed error that decides the exit code, if any).
 */
import { buildRepoMap } from './repoMap.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PHASES, type ChainContext, type PatternUse, type Phase } from '../chain/schema.js';
import { newChainContext } from '../chain/init.js';
import { createChain, findChain, readChainFile, type ChainFileEntry } from '../chain/store.js';
import { ClaudeExecError, UsageError } from '../errors.js';
import { forecastOverCapWarning } from '../cost/suggestCap.js';
import { createChainLogger, type Logger } from '../log.js';
import type { McpTools } from '../mcp/index.js';
import { cassettePath, type GateAnswer } from '../llm/cassette.js';
import { workspaceCommit } from '../tools/git.js';
import type { BaseDeps, DriveDeps } from './deps.js';
import { emitHook } from './hooks.js';
import { bindDeps } from './drive.js';
import { driveChain } from './loop.js';
import { builtinWorkflowRun, DEFAULT_WORKFLOW, positionAtPhase, singlePromptRun } from '../workflows/run.js';
import { WorkflowFileSchema } from '../workflows/schema.js';
import { forecastFor, forecastLine, forecastWorkflow, type Forecast } from '../features/learning/forecast.js';
import { applyingLine, seedChain } from '../patterns/apply.js';
import type { PatternCandidate } from '../patterns/offer.js';
import type { PatternDoc } from '../patterns/file.js';
import { readCostClasses } from '../features/learning/promptCosts.js';
import { takeDriverLock } from './driverLock.js';
import { onInterrupt } from './interrupt.js';
import { ChainSession, type FamilyBudget } from './session.js';
import { ITERATION_CAP_REASON } from '../phases/machine.js';
import { specPath, specsDirOf } from './spec.js';
import { dataBlock } from '../tools/dataBlock.js';
import { runDigest } from '../tools/testDigest.js';

export interface ChainOutcome {
  ctx: ChainContext;
  file: string;
  /** The typed error that stopped the chain (awaiting input, budget, API, …), if any. */
  error?: ClaudeExecError;
  /** Where the chain's Markdown spec is written (it exists once a solution was presented). */
  spec?: string;
}

export interface DriveOptions {
  contextsDir: string;
  verbose: boolean;
  /** --until */
  until?: string;
  /** --max-cost (USD); overrides the config and the chain's earlier limit. */
  maxCostUsd?: number;
  /** --model: one model for every tier of this chain. */
  model?: string;
  /** --workflow: the workflow a new chain runs (default: feature, the phase flow). */
  workflow?: string;
  /** --split: plan sub-chains and run them in git worktrees (src/features/split/split.ts). */
  split?: boolean;
  /** The budget of the `--split` family this chain belongs to (set by the split driver). */
  family?: FamilyBudget;
  /** A saved pattern to apply when the chain is created (src/patterns/apply.ts). */
  pattern?: { doc: PatternDoc; similarity: number; appliedBy: PatternUse['applied_by'] };
  /** Saved patterns new_case is shown to say which applies, when none matched the task's words (src/patterns/offer.ts). */
  patternCandidates?: PatternCandidate[];
  /**
   * Called once the chain is locked for this process and the answer (if any) is accepted, just
   * before it is driven: the web view replies to the page then, and the chain goes on behind it.
   */
  onDriving?: () => void;
  /** --record: keep the chain's exchanges in a cassette (also config `record`; a chain with a cassette keeps recording). */
  record?: boolean;
  /** The flags a replay of the cassette runs with (--yes, --model, --workflow…). */
  recordFlags?: string[];
}

/** Validates a --until value. Throws UsageError naming the phases. */
export function parseUntil(value: string | undefined): Phase | null {
  if (value === undefined) return null;
  if ((PHASES as readonly string[]).includes(value)) return value as Phase;
  throw new UsageError(`--until "${value}" is not a phase`, `Phases: ${PHASES.join(', ')}.`);
}

/**
 * Takes the driver lock of `entry`, reads it, applies `prepare`, and drives it (a one-step chain
 * of `prompt run` runs its prompt) until it stops. Returns the outcome; throws only unexpected errors.
 */
export async function driveEntry(
  entry: ChainFileEntry,
  base: BaseDeps,
  opts: DriveOptions,
  prepare?: (ctx: ChainContext) => GateAnswer | void,
): Promise<ChainOutcome> {
  const lock = await takeDriverLock(entry.path);
  let session: ChainSession | undefined;
  let mcp: McpTools | null = null;
  const off = onInterrupt(() => {
    let saved: ChainOutcome | undefined;
    mcp?.killSync();
    try {
      if (session) {
        session.ctx.status = 'cancelled';
        session.ctx.error = 'interrupted';
        session.saveSync();
        saved = { ctx: session.ctx, file: entry.path };
      }
    } finally {
      // Even when the save fails (a full disk), the next run must be able to take the chain.
      lock.releaseSync();
    }
    return saved;
  });
  try {
    const ctx = await readChainFile(entry.path);
    await migrateToWorkflow(ctx);
    if (ctx.status === 'complete')
      throw new UsageError(
        `chain ${ctx.chain_id} is already complete`,
        `\`claude-exec show ${ctx.chain_id}\` shows its context.`,
      );
    if (opts.until !== undefined) ctx.until_phase = parseUntil(opts.until);
    if (opts.maxCostUsd !== undefined) ctx.max_cost_usd = opts.maxCostUsd;
    // What `prepare` answered (the `answer` command) goes into the cassette once it is open.
    const answered = prepare?.(ctx);
    session = new ChainSession(entry.path, ctx, base.clock);
    if (opts.family) {
      session.family = opts.family;
      opts.family.live.add(session);
    }
    // A sub-chain of a split works in its own worktree, also when resumed on its own.
    if (ctx.sub?.worktree) base = { ...base, workspace: ctx.sub.worktree };
    if (ctx.fork)
      await (await import('../features/fork/fork.js')).loadReplay(session, (t) => base.ui.progress.warn(t));
    const log = createChainLogger(entry.path.replace(/\.json$/, '.log'), {
      verbose: opts.verbose,
      env: base.env,
    });
    const cassette = cassettePath(entry.path);
    if (base.llm.recorder && (opts.record || base.config.record || existsSync(cassette))) {
      base.llm.recorder.open(cassette, {
        chain_id: ctx.chain_id,
        goal: ctx.goal,
        created_at: ctx.created_at,
        workspace: base.workspace,
        flags: opts.recordFlags ?? [],
        ...(await workspaceCommit(base.workspace)),
      });
      if (answered) base.llm.recorder.gate(answered, 'recorded');
    }
    mcp = await openMcp(base, log);
    const deps = bindDeps(session, base, log, readCostClasses(entry.dir), mcp);
    // The map of the workspace follows the rules in the cached system prefix (./repoMap.ts). It is
    // made at the chain's first drive and kept in the context file, so a resumed chain (after a
    // gate, a crash) sends the same prefix: the same requests, and a cache entry that still matches.
    if (session.ctx.repo_map === null) {
      const map = await buildRepoMap(base.workspace, entry.dir);
      await session.update((c) => {
        c.repo_map = map;
      });
    }
    deps.prefix = { ...deps.prefix, repoMap: session.ctx.repo_map ?? '' };
    log.info({ chain: ctx.chain_id, status: ctx.status, phase: ctx.current_phase }, 'driving chain');
    opts.onDriving?.();
    const spec = specPath(entry.path, specsDirOf(base));
    await emitHook(session, deps, 'chain_start', { goal: ctx.goal, resumed: ctx.steps.length > 0 });
    try {
      if (ctx.split) await (await import('../features/split/split.js')).driveSplit(session, deps, base, opts);
      else
        await driveChain(session, deps, {
          drive: (child, childBase, childOpts) => driveEntry(child, childBase, childOpts),
          workflowFor: async (name) =>
            (await import('../features/library/workflows.js')).workflowForChain(
              base.workspace,
              base.catalog,
              name,
              base.trusted,
            ),
        });
      await chainEnd(session, deps);
      return { ctx: session.ctx, file: entry.path, spec };
    } catch (err) {
      await chainEnd(session, deps);
      if (err instanceof ClaudeExecError) {
        log.warn({ err: err.message }, 'chain stopped');
        return { ctx: session.ctx, file: entry.path, error: err, spec };
      }
      log.error({ err: String((err as Error)?.stack ?? err) }, 'chain crashed');
      throw err;
    }
  } finally {
    if (session && opts.family) opts.family.settle(session);
    await mcp?.close();
    await base.llm.recorder?.flushed();
    off();
    await lock.release();
  }
}

/**
 * A chain without a workflow (not a split) gets one before it is driven: a single-prompt chain
 * (`prompt run`, an eval case) its one-step workflow; a chain written before every chain ran a
 * workflow the built-in feature workflow from where its phase machine is — positioned at the
 * `phase` step of the machine's phase, with the machine's state kept (a chain whose machine never
 * started starts the workflow from its first step).
 */
async function migrateToWorkflow(ctx: ChainContext): Promise<void> {
  if (ctx.workflow || ctx.split) return;
  if (ctx.single_prompt) {
    ctx.workflow = singlePromptRun(ctx.single_prompt, ctx.machine.focus, ctx.current_phase);
    return;
  }
  const run = await builtinWorkflowRun(DEFAULT_WORKFLOW);
  if (ctx.machine.awaiting) positionAtPhase(run, WorkflowFileSchema.parse(run.doc), ctx.machine.phase);
  ctx.workflow = run;
}

/**
 * The run's MCP servers (config `mcp_servers`) started in the chain's workspace, or null when none
 * is configured: only then is the MCP SDK loaded.
 */
async function openMcp(base: BaseDeps, log: Logger): Promise<McpTools | null> {
  const servers = base.config.mcp_servers;
  if (Object.keys(servers).length === 0) return null;
  const [{ openMcpTools }, { claudeExecVersion }] = await Promise.all([
    import('../mcp/index.js'),
    import('../llm/claude-code/sdk.js'),
  ]);
  return openMcpTools(servers, {
    cwd: base.workspace,
    env: process.env,
    maxOutputBytes: base.config.limits.tool_output_bytes,
    version: claudeExecVersion(),
    warn: (text) => {
      base.ui.progress.warn(text);
      log.warn({ mcp: true }, text);
    },
    log: (fields, msg) => log.info(fields, msg),
  });
}

/** The chain_end hooks of a drive that stopped (complete, failed, waiting, paused, over budget…), then a save of what they reported. */
async function chainEnd(session: ChainSession, deps: DriveDeps): Promise<void> {
  const c = session.ctx;
  const last = c.hook_reports.at(-1);
  await emitHook(session, deps, 'chain_end', {
    goal: c.goal,
    status: c.status,
    error: c.error,
    files: [...c.session_memory.files_modified],
  });
  if (session.ctx.hook_reports.at(-1) !== last) await session.save().catch(() => undefined);
}

/** Starts a new chain for `goal` in `opts.contextsDir` and drives it. */
export async function startChain(goal: string, base: BaseDeps, opts: DriveOptions): Promise<ChainOutcome> {
  if (!goal.trim())
    throw new UsageError(
      'the task is empty',
      'Usage: claude-exec "Add JWT authentication to my Express app"',
    );
  const until = parseUntil(opts.until);
  // Checked before the chain exists: a misspelt workflow never starts a paid chain.
  const workflow = await (
    await import('../features/library/workflows.js')
  ).workflowForChain(base.workspace, base.catalog, opts.workflow, base.trusted);
  if (opts.split) {
    if (until)
      throw new UsageError(
        '--until does not apply to --split: the sub-chains run their own workflows',
        'Drop --until.',
      );
    if (opts.workflow !== undefined && opts.workflow !== DEFAULT_WORKFLOW)
      throw new UsageError(
        '--split picks a workflow per sub-chain; give either --split or --workflow',
        'Drop --workflow.',
      );
    await (await import('../features/split/split.js')).requireGitRepo(base.workspace);
  }
  if (workflow.name !== DEFAULT_WORKFLOW && until)
    throw new UsageError(
      `--until applies to the feature workflow; the ${workflow.name} workflow's steps decide where it stops`,
      'Drop --until, or use a workflow that ends where you want (e.g. --workflow plan).',
    );
  const wfBudget = typeof workflow.doc.budget_usd === 'number' ? workflow.doc.budget_usd : null;
  const chainMax = opts.maxCostUsd ?? base.config.limits.max_cost_usd;
  const one = opts.model ?? base.config.model;
  const models = one ? { fast: one, default: one, smart: one } : { ...base.config.models };
  // The forecast before the first call (src/features/learning/forecast.ts); a chain never fails for it.
  let forecast: Forecast | null = null;
  try {
    const pattern = opts.pattern
      ? {
          name: opts.pattern.doc.name,
          source_uid: opts.pattern.doc.source.chain_uid,
          similarity: opts.pattern.similarity,
        }
      : undefined;
    forecast = await forecastFor(goal, [opts.contextsDir], {
      catalog: base.catalog,
      model: models.default,
      prices: base.prices,
      pattern,
      workflow: opts.split ? null : forecastWorkflow(workflow),
      secondOpinion: base.config.quality_gates.second_opinion !== null,
    });
  } catch {
    forecast = null;
  }
  const entry = await createChain(opts.contextsDir, goal, base.clock(), (chainId, chainUid, slug) => {
    const ctx: ChainContext = {
      ...newChainContext({
        chainId,
        chainUid,
        goal: goal.trim(),
        slug,
        workspace: path.resolve(base.workspace),
        model: models.default,
        models,
        now: base.clock(),
        untilPhase: until,
        // The workflow's own budget_usd caps the chain too: the lower limit wins.
        maxCostUsd: capOf(wfBudget, chainMax),
        // A split's sub-chains run their own workflows; the split itself runs its planner.
        workflow: opts.split ? null : workflow,
        split: opts.split
          ? { plan: null, max_concurrency: base.config.caps.concurrency, approved: false }
          : null,
      }),
      forecast,
    };
    if (opts.pattern)
      return seedChain(ctx, opts.pattern.doc, {
        similarity: opts.pattern.similarity,
        appliedBy: opts.pattern.appliedBy,
        catalog: base.catalog,
      });
    return { ...ctx, pattern_candidates: opts.patternCandidates ?? [] };
  });
  base.ui.progress.info(
    `Chain ${entry.chainId} created: ${path.relative(base.workspace, entry.path) || entry.path}${workflow.name !== DEFAULT_WORKFLOW && !opts.split ? ` (workflow ${workflow.name})` : ''}`,
  );
  if (forecast) base.ui.progress.info(forecastLine(forecast));
  const overCap = forecastOverCapWarning(forecast?.cost_usd ?? null, capOf(wfBudget, chainMax));
  if (overCap) base.ui.progress.warn(overCap);
  if (opts.pattern) base.ui.progress.info(applyingLine(opts.pattern.doc));
  return driveEntry(entry, base, { ...opts, until: undefined, maxCostUsd: undefined });
}

/** The chain's cap, USD: the workflow's own budget_usd and the chain's limit, the lower wins. */
function capOf(wfBudget: number | null, chainMax: number | null | undefined): number | null | undefined {
  return wfBudget !== null && (chainMax === null || chainMax === undefined || wfBudget < chainMax)
    ? wfBudget
    : chainMax;
}

/** Most iterations one `resume --more-iterations N` may add (a bound independent of the model). */
export const MAX_MORE_ITERATIONS = 20;

/** Did the chain stop at the implementation iteration cap (tests or quality gates still failing)? */
export function stoppedAtIterationCap(ctx: ChainContext): boolean {
  const a = ctx.machine.awaiting;
  return a?.kind === 'fail' && a.reason.endsWith(ITERATION_CAP_REASON);
}

/**
 * Continues chain `id` from its last completed step. A chain stopped at the implementation
 * iteration cap continues only with `moreIterations` (1..20): the cap is raised by that many and
 * tdd_flow_controller runs again with the last failure as feedback. Throws UsageError for a chain
 * at the cap without it (resuming would only fail again), and for `moreIterations` on a chain
 * that is not at the cap.
 */
export async function resumeChain(
  id: string,
  base: BaseDeps,
  opts: DriveOptions & { moreIterations?: number },
): Promise<ChainOutcome> {
  const entry = await findChain([opts.contextsDir], id);
  return driveEntry(entry, base, opts, (ctx) => {
    const capped = stoppedAtIterationCap(ctx);
    const n = opts.moreIterations;
    if (n === undefined) {
      if (capped) {
        throw new UsageError(
          `chain ${ctx.chain_id} stopped at its cap of implementation iterations (${ctx.machine.implementation_iterations}): ${ctx.error ?? 'still failing'}; resuming as it is would stop there again`,
          `Give it more iterations: \`claude-exec resume ${ctx.chain_id} --more-iterations 2\` (tdd_flow_controller gets the last failure as feedback), or undo the change with \`claude-exec rollback ${ctx.chain_id}\`.`,
        );
      }
      return;
    }
    if (!capped)
      throw new UsageError(
        `chain ${ctx.chain_id} is not stopped at its implementation iteration cap`,
        `--more-iterations continues a chain whose tests or quality gates were still failing after the last iteration; \`claude-exec resume ${ctx.chain_id}\` continues this one.`,
      );
    const last = [...ctx.test_runs].reverse().find((t) => t.expect !== 'baseline');
    const feedback =
      ctx.machine.feedback ??
      (last
        ? dataBlock('test_output', { command: last.argv.join(' '), at: last.at }, runDigest(last))
        : (ctx.error ?? 'The tests were still failing.'));
    ctx.machine = {
      ...ctx.machine,
      extra_iterations: ctx.machine.extra_iterations + n,
      implementation_iterations: ctx.machine.implementation_iterations + 1,
      awaiting: { kind: 'prompt', run: { name: 'tdd_flow_controller', focus: null, feedback } },
      seq: ctx.machine.seq + 1,
    };
    // The workflow goes on at its implementation step, the machine from its own state.
    if (ctx.workflow)
      positionAtPhase(ctx.workflow, WorkflowFileSchema.parse(ctx.workflow.doc), 'implementation');
    // The implementation phase is open again (its record was closed when the chain failed).
    ctx.current_phase = 'implementation';
    ctx.phase_history.push({
      phase: 'implementation',
      started_at: base.clock().toISOString(),
      ended_at: null,
      duration_ms: null,
      iterations: 0,
      prompts_executed: [],
      clarifications: [],
      exit_reason: null,
    });
    base.ui.progress.info(
      `  ${n} more implementation iteration(s) for chain ${ctx.chain_id}; tdd_flow_controller continues from the last failure`,
    );
  });
}

/**
 * Records answers to the chain's open questions (`answeredBy` 'file' for --file, 'user' for
 * --answer) and continues it. Throws UsageError for an unknown question id or when the chain is
 * not waiting for answers.
 */
export async function answerChain(
  id: string,
  answers: Record<string, string>,
  answeredBy: 'user' | 'file',
  base: BaseDeps,
  opts: DriveOptions,
): Promise<ChainOutcome> {
  const entry = await findChain([opts.contextsDir], id);
  return driveEntry(entry, base, opts, (ctx) => {
    if (ctx.pending?.kind !== 'questions')
      throw new UsageError(
        `chain ${ctx.chain_id} is not waiting for answers`,
        `\`claude-exec status ${ctx.chain_id}\` shows what it is doing.`,
      );
    const open = new Set(ctx.pending.question_ids);
    for (const qid of Object.keys(answers)) {
      if (!open.has(qid))
        throw new UsageError(
          `question "${qid}" is not open in chain ${ctx.chain_id}`,
          `Open questions: ${[...open].join(', ')}.`,
        );
    }
    const record = ctx.phase_history.at(-1);
    for (const q of ctx.questions) {
      const a = answers[q.id];
      if (a === undefined || q.answer !== null) continue;
      q.answer = a;
      q.answered_by = answeredBy;
      record?.clarifications.push(`${q.question} → ${a}`);
    }
    ctx.pending = ctx.questions.some((q) => open.has(q.id) && q.answer === null)
      ? {
          kind: 'questions',
          question_ids: ctx.questions.filter((q) => open.has(q.id) && q.answer === null).map((q) => q.id),
        }
      : null;
    return {
      gate: 'questions',
      answers: Object.fromEntries(Object.entries(answers).filter(([qid]) => open.has(qid))),
    };
  });
}

/**
 * Answers the pending approval gate (solution or file change) and continues the chain;
 * `allChanges` also approves every later file change of the implementation (`--all-changes`).
 * Throws UsageError when nothing is waiting for approval, for --more-info on a file change, and
 * for `allChanges` with a rejection.
 */
export async function approveChain(
  id: string,
  answer: { response: 'approved' | 'rejected' | 'more-info'; note: string | null; allChanges?: boolean },
  base: BaseDeps,
  opts: DriveOptions,
): Promise<ChainOutcome> {
  const entry = await findChain([opts.contextsDir], id);
  return driveEntry(entry, base, opts, (ctx) => {
    const p = ctx.pending;
    if (answer.allChanges) {
      if (answer.response !== 'approved')
        throw new UsageError('--all-changes approves; it cannot go with --reject or --more-info');
      // The rest of this implementation's file changes are approved as they come.
      ctx.approve_all_changes = true;
    }
    if (p?.kind === 'approval') {
      ctx.gate_response = { kind: 'solution', response: answer.response, note: answer.note, path: null };
    } else if (p?.kind === 'file-change') {
      if (answer.response === 'more-info')
        throw new UsageError(
          '--more-info applies to the solution gate, not to a file change',
          'Use --reject "why" to ask for a different change.',
        );
      ctx.gate_response = { kind: 'file-change', response: answer.response, note: answer.note, path: p.path };
    } else {
      throw new UsageError(
        `chain ${ctx.chain_id} is not waiting for an approval`,
        `\`claude-exec status ${ctx.chain_id}\` shows what it is doing.`,
      );
    }
  });
}
