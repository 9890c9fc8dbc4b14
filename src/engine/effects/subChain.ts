/**
 * A workflow's `chain` step: a sub-chain (its own context file beside this one, `parent` set, in
 * this workspace) for the step's goal and workflow, driven to its end. The chain's --max-cost
 * covers both (FamilyBudget). A sub-chain that waits for a human or stops on its budget stops
 * this chain with the same status; `resume` of this chain continues the same sub-chain.
 */
import path from 'node:path';
import type { ChainContext, WorkflowEffect } from '../../chain/schema.js';
import { newChainContext } from '../../chain/init.js';
import { createChain, findChain, readChainFile, type ChainFileEntry } from '../../chain/store.js';
import { AwaitingInputError, type ClaudeExecError } from '../../errors.js';
import type { BaseDeps, DriveDeps } from '../deps.js';
import { FamilyBudget, type ChainSession } from '../session.js';
import type { StepOutcome } from './outcome.js';

/** What a sub-chain needs from above the engine's loop: how a chain is driven, and how a workflow name is resolved. */
export interface SubChainRunner {
  /** Drives the chain of `entry` until it stops (src/engine/run.ts driveEntry). */
  drive: (
    entry: ChainFileEntry,
    base: BaseDeps,
    opts: { contextsDir: string; verbose: boolean; family?: FamilyBudget },
  ) => Promise<{ ctx: ChainContext; error?: ClaudeExecError }>;
  /** The workflow run for `name` (absent: the default workflow), as `--workflow NAME` resolves it. */
  workflowFor: (name: string | undefined) => Promise<NonNullable<ChainContext['workflow']>>;
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
    const workflow = await runner.workflowFor(effect.workflow ?? undefined);
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
      const out = await runner.drive(entry, deps, {
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
