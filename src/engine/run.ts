/**
 * Drives one chain file: takes its driver lock, reads it (a chain without a workflow gets one),
 * opens its session, cassette, MCP servers and log, runs it through the one loop (./loop.ts) — a
 * `--split` chain too, whose parts are sub-chains — until it stops, and returns the outcome as data (with
 * the typed error that decides the exit code, if any). What the engine needs from the features
 * above it comes in as `EngineServices`; the use cases (start, resume, answer, approve) are
 * src/features/run/.
 */
import { buildRepoMap } from './repoMap.js';
import { existsSync } from 'node:fs';
import { PHASES, type ChainContext, type PatternUse, type Phase, type WorkflowRun } from '../chain/schema.js';
import { readChainFile, type ChainFileEntry } from '../chain/store.js';
import { ClaudeExecError, UsageError } from '../errors.js';
import { createChainLogger, type Logger } from '../log.js';
import type { McpTools } from '../mcp/index.js';
import { cassettePath, type GateAnswer } from '../llm/cassette.js';
import { workspaceCommit } from '../tools/git.js';
import type { BaseDeps, DriveDeps } from './deps.js';
import { emitHook } from './hooks.js';
import { bindDeps } from './drive.js';
import { driveChain } from './loop.js';
import {
  builtinWorkflowRun,
  DEFAULT_WORKFLOW,
  positionAtPhase,
  positionSplit,
  reopenSplitParts,
  singlePromptRun,
  SPLIT_WORKFLOW,
} from '../workflows/run.js';
import type { CostClasses } from '../library/catalog.js';
import { loadReplay } from './forkReplay.js';
import { WorkflowFileSchema } from '../workflows/schema.js';
import type { PatternCandidate } from '../patterns/offer.js';
import type { PatternDoc } from '../patterns/file.js';
import { takeDriverLock } from './driverLock.js';
import { onInterrupt } from './interrupt.js';
import { ChainSession, type FamilyBudget } from './session.js';
import { specPath, specsDirOf } from './spec.js';

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
  /** --split: run the split workflow (plan sub-chains, run them in git worktrees: workflows/split.yaml). */
  split?: boolean;
  /** The budget of the family this sub-chain belongs to (set by its parent's sub-chain step). */
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

/** What the engine needs from the features above it, given by the use cases (src/features/run/). */
export interface EngineServices {
  /** The workflow run for `name` (absent: the default), as `--workflow NAME` resolves it in `base`'s workspace. */
  workflowFor: (base: BaseDeps, name: string | undefined) => Promise<WorkflowRun>;
  /** The measured cost classes of the contexts directory `dir` (the selector's catalog shows them). */
  costClasses: (dir: string) => CostClasses;
  /** Called once a drive ended with the chain complete or failed (its runs count in the measured prompt costs of `dir`). */
  chainEnded: (dir: string, ctx: ChainContext) => void;
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
  services: EngineServices,
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
    if (ctx.split && ctx.workflow) {
      const wf = WorkflowFileSchema.safeParse(ctx.workflow.doc);
      if (wf.success) reopenSplitParts(ctx.workflow, wf.data, ctx);
    }
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
    if (ctx.fork) await loadReplay(session, (t) => base.ui.progress.warn(t));
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
    const deps = bindDeps(session, base, log, services.costClasses(entry.dir), mcp);
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
      const parentBase = base;
      await driveChain(session, deps, {
        // A sub-chain runs with this chain's deps (a split's parts with its recording flags), never its --until or --max-cost.
        drive: (child, childOpts) =>
          driveEntry(
            child,
            parentBase,
            {
              contextsDir: entry.dir,
              verbose: childOpts.verbose ?? opts.verbose,
              ...(childOpts.recording && opts.record ? { record: opts.record } : {}),
              ...(childOpts.recording && opts.recordFlags ? { recordFlags: opts.recordFlags } : {}),
              ...(childOpts.family ? { family: childOpts.family } : {}),
            },
            services,
          ),
        workflowFor: (name) => services.workflowFor(base, name),
      });
      await chainEnd(session, deps);
      if (session.ctx.status === 'complete' || session.ctx.status === 'failed')
        services.chainEnded(entry.dir, session.ctx);
      return { ctx: session.ctx, file: entry.path, spec };
    } catch (err) {
      await chainEnd(session, deps);
      if (session.ctx.status === 'failed') services.chainEnded(entry.dir, session.ctx);
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
 * A chain without a workflow gets one before it is driven: a single-prompt chain (`prompt run`,
 * an eval case) its one-step workflow; a split written by the split driver of older versions the
 * built-in split workflow at the step its plan has reached (./effects/split.ts); a chain written
 * before every chain ran a workflow the built-in feature workflow from where its phase machine is
 * — positioned at the `phase` step of the machine's phase, with the machine's state kept (a chain
 * whose machine never started starts the workflow from its first step).
 */
async function migrateToWorkflow(ctx: ChainContext): Promise<void> {
  if (ctx.workflow) return;
  if (ctx.split) {
    const run = await builtinWorkflowRun(SPLIT_WORKFLOW);
    positionSplit(run, WorkflowFileSchema.parse(run.doc), ctx);
    ctx.workflow = run;
    return;
  }
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
