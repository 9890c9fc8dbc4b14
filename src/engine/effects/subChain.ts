/**
 * Steps whose work is other chains. Each sub-chain has its own context file beside this one
 * (`parent` set, listed in this chain's `children`) and is driven to its end by the one loop;
 * the chain's --max-cost covers the family (FamilyBudget).
 *
 * - A `chain` step: one sub-chain for the step's goal and workflow, in this workspace. A sub-chain
 *   that waits for a human or stops on its budget stops this chain with the same status; `resume`
 *   of this chain continues the same sub-chain.
 * - A `sub_chains` step (a split, workflows/split.yaml): one sub-chain per part of the approved
 *   plan, each in its own git worktree (../worktrees.ts) on top of the patches of the parts it
 *   depends on, at most the split's max_concurrency at once; a complete part's changes become its
 *   patch. A part that waits for a human or fails stops only the parts that depend on it; the
 *   split then stops with that part's status and exit code. The parts' chain ids are recorded in
 *   the plan (`split.plan[].chain_id`), so a resumed split goes on with the same sub-chains.
 */
import path from 'node:path';
import type { ChainContext, SubChainPlan, WorkflowEffect } from '../../chain/schema.js';
import { newChainContext } from '../../chain/init.js';
import { createChain, findChain, readChainFile, saveChain, type ChainFileEntry } from '../../chain/store.js';
import { AwaitingInputError, ClaudeExecError } from '../../errors.js';
import type { DriveDeps } from '../deps.js';
import { FamilyBudget, type ChainSession } from '../session.js';
import { isEmptyPatch, missingPatch, prepareWorktree, requireGitRepo, retakePatch } from '../worktrees.js';
import type { StepOutcome } from './outcome.js';

/** How a sub-chain's drive ended: the chain as it stopped, with the typed error that stopped it, if any. */
interface SubChainOutcome {
  ctx: ChainContext;
  error?: ClaudeExecError;
}

/** What a sub-chain needs from above the engine's loop: how a chain is driven, and how a workflow name is resolved. */
export interface SubChainRunner {
  /**
   * Drives the chain of `entry` until it stops (src/engine/run.ts driveEntry, with this chain's
   * deps; `verbose` absent: as this chain's; `recording`: with this chain's --record flags).
   */
  drive: (
    entry: ChainFileEntry,
    opts: { verbose?: boolean; recording?: boolean; family?: FamilyBudget },
  ) => Promise<SubChainOutcome>;
  /** The workflow run for `name` (absent: the default workflow), as `--workflow NAME` resolves it. */
  workflowFor: (name: string | undefined) => Promise<NonNullable<ChainContext['workflow']>>;
}

/**
 * A split's family stopped by one of its parts: the parent's status (awaiting-input,
 * budget-exceeded, failed) and error are set by the step before it is thrown, and kept.
 */
export class FamilyStoppedError extends ClaudeExecError {}

/** Creates sub-chain `goal` of the chain in `session` (parent link, listed in its children). */
async function createSubChain(
  session: ChainSession,
  deps: DriveDeps,
  input: {
    title: string;
    goal: string;
    workflow: NonNullable<ChainContext['workflow']>;
    sub?: ChainContext['sub'];
  },
): Promise<ChainFileEntry> {
  const ctx = session.ctx;
  return createChain(path.dirname(session.file), input.title, deps.clock(), (chainId, chainUid, slug) =>
    newChainContext({
      chainId,
      chainUid,
      goal: input.goal,
      slug,
      workspace: ctx.workspace,
      model: ctx.model,
      models: ctx.models,
      now: deps.clock(),
      maxCostUsd: ctx.max_cost_usd,
      workflow: input.workflow,
      parent: ctx.chain_id,
      ...(input.sub ? { sub: input.sub } : {}),
    }),
  );
}

/** Runs `chain` step `effect` of the chain in `session` (see the module comment). */
export async function subChainStepEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'chain' }>,
  runner: SubChainRunner,
): Promise<StepOutcome> {
  const ctx = session.ctx;
  const run = ctx.workflow!;
  const contextsDir = path.dirname(session.file);
  if (!run.sub_chain) {
    const entry = await createSubChain(session, deps, {
      title: effect.goal,
      goal: `${effect.goal}\n\n(Started by step ${effect.at} of chain ${ctx.chain_id}: ${ctx.goal})`,
      workflow: await runner.workflowFor(effect.workflow ?? undefined),
    });
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
      const out = await runner.drive(entry, { verbose: false, ...(family ? { family } : {}) });
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

/** The plan entry of part `key` (the chain's `split.plan`, where the part's chain id is recorded). */
function planItem(session: ChainSession, key: string): SubChainPlan {
  const item = session.ctx.split?.plan?.find((p) => p.key === key);
  if (!item)
    throw new ClaudeExecError(`chain ${session.ctx.chain_id}: no part "${key}" in its split plan`, 1);
  return item;
}

/** Creates the parts' sub-chains that do not exist yet (parent links, worktree-less), in plan order. */
async function createParts(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'sub_chains' }>,
  runner: SubChainRunner,
): Promise<void> {
  const plan = session.ctx.split?.plan ?? [];
  for (const item of plan) {
    if (item.chain_id || !effect.parts.some((p) => p.key === item.key)) continue;
    const ctx = session.ctx;
    const entry = await createSubChain(session, deps, {
      title: item.goal,
      goal: `${item.goal}\n\n(Part "${item.key}" of chain ${ctx.chain_id}: ${ctx.goal})`,
      workflow: await runner.workflowFor(item.workflow ?? undefined),
      sub: {
        key: item.key,
        depends_on: item.depends_on,
        root: ctx.workspace,
        worktree: null,
        branch: null,
        base_commit: null,
        patch: null,
      },
    });
    item.chain_id = entry.chainId;
    ctx.children.push(entry.chainId);
    await session.save();
    deps.ui.progress.info(`  sub-chain ${entry.chainId} (${item.key}): ${item.goal}`);
  }
}

/** A part's outcome, as the family sees it. */
type PartOutcome = SubChainOutcome & { file: string };

/**
 * Runs the parts: ready ones (their dependencies complete) concurrently up to max_concurrency, each
 * in its worktree (made on first start), its patch taken once complete. Returns each started or
 * complete part's outcome by key; a part that threw is recorded with its error.
 */
async function runParts(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'sub_chains' }>,
  runner: SubChainRunner,
): Promise<Map<string, PartOutcome>> {
  const ctx = session.ctx;
  const contextsDir = path.dirname(session.file);
  const maxConcurrency = ctx.split?.max_concurrency ?? deps.config.caps.concurrency;
  const outcomes = new Map<string, PartOutcome>();
  const files = new Map<string, ChainFileEntry>();
  const children = new Map<string, ChainContext>();
  for (const p of effect.parts) {
    const entry = await findChain([contextsDir], planItem(session, p.key).chain_id!);
    files.set(p.key, entry);
    let child = await readChainFile(entry.path);
    // Before anything that depends on it starts.
    if (missingPatch(child)) child = await retakePatch(child, entry.path);
    children.set(p.key, child);
    if (child.status === 'complete') outcomes.set(p.key, { ctx: child, file: entry.path });
  }
  const limit = ctx.max_cost_usd;
  const family =
    limit === null
      ? null
      : new FamilyBudget(
          limit,
          [...children.values()].reduce((sum, c) => sum + c.cost_tracking.estimated_cost, 0),
        );
  if (family) {
    family.live.add(session);
    session.family = family;
  }
  const running = new Map<string, Promise<void>>();
  const complete = (key: string) => outcomes.get(key)?.ctx.status === 'complete';
  const startable = (p: (typeof effect.parts)[number]) =>
    !outcomes.has(p.key) && !running.has(p.key) && p.depends_on.every(complete);
  const run = async (p: (typeof effect.parts)[number]) => {
    const entry = files.get(p.key)!;
    const file = entry.path;
    try {
      let child = await readChainFile(file);
      if (!child.sub?.worktree) {
        child.sub = await prepareWorktree(
          child,
          p.depends_on.map((k) => outcomes.get(k)!.ctx),
        );
        child.workspace = child.sub.worktree!;
        await saveChain(file, child);
      }
      if (family) family.settledUsd -= child.cost_tracking.estimated_cost;
      const out = await runner.drive(entry, { recording: true, ...(family ? { family } : {}) });
      child = out.ctx;
      if (child.status === 'complete') {
        child = await retakePatch(await readChainFile(file), file);
        const patch = child.sub!.patch;
        deps.ui.progress.info(
          `  sub-chain ${child.chain_id} (${p.key}) complete${patch && !(await isEmptyPatch(patch)) ? `: patch ${path.relative(ctx.workspace, patch)}` : ', no changes'}`,
        );
      }
      outcomes.set(p.key, { ...out, ctx: child, file });
    } catch (err) {
      const e =
        err instanceof ClaudeExecError ? err : new ClaudeExecError(String((err as Error)?.message ?? err), 1);
      const child = await readChainFile(file).catch(() => children.get(p.key)!);
      // A part whose patch could not be taken is not done: nothing may build on it, and the family is not complete.
      outcomes.set(p.key, {
        ctx: {
          ...child,
          status: child.status === 'running' || missingPatch(child) ? 'failed' : child.status,
        },
        file,
        error: e,
      });
    }
  };
  try {
    for (;;) {
      for (const p of effect.parts) {
        if (running.size >= maxConcurrency) break;
        if (startable(p))
          running.set(
            p.key,
            run(p).finally(() => running.delete(p.key)),
          );
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    if (family) family.settle(session);
  }
  return outcomes;
}

/**
 * Runs `sub_chains` step `effect` of the split in `session` (see the module comment). Done when
 * every part is complete; rejected (the split fails) when a part failed on its own; throws
 * FamilyStoppedError with the stopping part's exit code when a part waits for a human, ran out of
 * budget or could not run, after setting the split's status.
 */
export async function subChainsStepEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'sub_chains' }>,
  runner: SubChainRunner,
): Promise<StepOutcome> {
  await requireGitRepo(session.ctx.workspace);
  await createParts(session, deps, effect, runner);
  const outcomes = await runParts(session, deps, effect, runner);
  const states = effect.parts.map((p) => ({
    key: p.key,
    chainId: planItem(session, p.key).chain_id,
    status: outcomes.get(p.key)?.ctx.status ?? `not started (waits for ${p.depends_on.join(', ')})`,
  }));
  if (states.every((s) => s.status === 'complete')) {
    session.exitPhase('every sub-chain complete');
    return { note: `${states.length} sub-chains complete` };
  }
  const stoppedBy = effect.parts.map((p) => outcomes.get(p.key)).find((o) => o?.error);
  const summary = states.map((s) => `${s.chainId} ${s.key}: ${s.status}`).join('; ');
  if (!stoppedBy?.error) return { rejected: `sub-chains: ${summary}` };
  // A part waits for a human, ran out of budget or failed: the split says which, and why.
  const c = session.ctx;
  c.status =
    stoppedBy.ctx.status === 'awaiting-input'
      ? 'awaiting-input'
      : stoppedBy.ctx.status === 'budget-exceeded'
        ? 'budget-exceeded'
        : 'failed';
  c.error = `sub-chains: ${summary}`;
  throw new FamilyStoppedError(
    `sub-chain ${stoppedBy.ctx.chain_id} stopped: ${stoppedBy.error.message} (${summary})`,
    stoppedBy.error.exitCode,
    `${stoppedBy.error.hint ?? ''} Then \`claude-exec resume ${c.chain_id}\` runs the rest of the family.`.trim(),
  );
}
