/**
 * `claude-exec prompt run NAME [--focus TEXT]`: one prompt of the library against the workspace,
 * as a one-step chain with its own context file, log and cost, driven like every chain (its
 * one-step workflow: src/workflows/run.ts singlePromptRun).
 */
import path from 'node:path';
import { newChainContext } from '../../chain/init.js';
import { createChain } from '../../chain/store.js';
import type { BaseDeps } from '../../engine/deps.js';
import type { DriveOptions } from '../../engine/run.js';
import { phaseOf, promptToRun, withResult, type SinglePromptOutcome } from '../../engine/single.js';
import { driveChainEntry } from './run.js';

/**
 * Creates the one-step chain for `name` (focus: what to concentrate on) and runs it. Throws
 * UsageError for an unknown prompt (before anything is created or called).
 */
export async function runSinglePrompt(
  name: string,
  focus: string | undefined,
  base: BaseDeps,
  opts: DriveOptions,
): Promise<SinglePromptOutcome> {
  const doc = promptToRun(base, name);
  const one = opts.model ?? base.config.model;
  const models = one ? { fast: one, default: one, smart: one } : { ...base.config.models };
  const goal = focus?.trim() ? `${doc.name}: ${focus.trim()}` : `${doc.name}: ${doc.purpose}`;
  const entry = await createChain(opts.contextsDir, goal, base.clock(), (chainId, chainUid, slug) => {
    const ctx = newChainContext({
      chainId,
      chainUid,
      goal,
      slug,
      workspace: path.resolve(base.workspace),
      model: models.default,
      models,
      now: base.clock(),
      maxCostUsd: opts.maxCostUsd ?? base.config.limits.max_cost_usd,
    });
    return {
      ...ctx,
      single_prompt: doc.name,
      current_phase: phaseOf(doc),
      machine: { ...ctx.machine, phase: phaseOf(doc), focus: focus?.trim() || null },
    };
  });
  base.ui.progress.info(
    `Chain ${entry.chainId} created for ${doc.name}: ${path.relative(base.workspace, entry.path) || entry.path}`,
  );
  const outcome = await driveChainEntry(entry, base, { ...opts, maxCostUsd: undefined });
  return withResult(outcome, doc.name);
}
