/**
 * `claude-exec prompt run NAME [--focus TEXT]`: one prompt of the library against the workspace,
 * as a one-step chain with its own context file, log and cost (issue 7: every prompt reachable).
 * The chain runs in the prompt's first declared phase (context-building when it declares none),
 * with that phase's tools, as a one-step workflow through the same loop as every chain
 * (src/engine/loop.ts, src/workflows/run.ts singlePromptRun); `resume` runs the prompt again if it
 * did not finish.
 */
import path from 'node:path';
import type { Phase } from '../chain/schema.js';
import { newChainContext } from '../chain/init.js';
import { createChain } from '../chain/store.js';
import { UsageError } from '../errors.js';
import type { PromptDoc } from '../library/parse.js';
import { searchPrompts } from '../library/search.js';
import type { Findings } from '../phases/protocol.js';
import { driveEntry, type ChainOutcome, type DriveOptions } from './run.js';
import type { BaseDeps } from './deps.js';

/** The prompt to run alone, resolved by name or alias. Throws UsageError naming close matches. */
export function promptToRun(base: Pick<BaseDeps, 'catalog'>, name: string): PromptDoc {
  const doc = base.catalog.get(name);
  if (doc?.name === 'phase_controller')
    throw new UsageError(
      'phase_controller is the standing instructions of every call, not a prompt to run',
      '`claude-exec prompts list` shows the prompts.',
    );
  if (doc) return doc;
  const near = searchPrompts(base.catalog, name)
    .slice(0, 3)
    .map((h) => h.doc.name);
  throw new UsageError(
    `no prompt named "${name}"`,
    near.length ? `Did you mean: ${near.join(', ')}?` : '`claude-exec prompts list` shows the prompts.',
  );
}

/** The phase a prompt runs in when run alone: its first declared phase. */
export function phaseOf(doc: PromptDoc): Phase {
  return doc.phases[0] ?? 'context-building';
}

/** The outcome of `prompt run`: the chain's, with the prompt and its result (null when it did not finish). */
export interface SinglePromptOutcome extends ChainOutcome {
  prompt: string;
  result: Findings | null;
}

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
  const outcome = await driveEntry(entry, base, { ...opts, maxCostUsd: undefined });
  return withResult(outcome, doc.name);
}

/** The outcome of a one-step chain with its prompt's result. */
export function withResult(outcome: ChainOutcome, prompt: string): SinglePromptOutcome {
  // The step of this run: an eval case's earlier steps (effect 0) may be of the same prompt.
  const step = outcome.ctx.steps
    .filter((s) => s.prompt === prompt && s.status === 'complete' && s.effect > 0)
    .at(-1);
  return { ...outcome, prompt, result: (step?.result as Findings | undefined) ?? null };
}
