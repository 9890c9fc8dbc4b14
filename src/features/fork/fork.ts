/**
 * `claude-exec fork ID --from-step N [--answer q=…] [--model …]`: a new chain with the goal,
 * workflow and settings of chain ID whose steps 1..N-1 are that chain's results, taken without a
 * call, and which runs live from step N with the change (other answers, another model). The
 * replay is exact because the phase machine and the workflow interpreter are pure: the same
 * results in the same order lead to the same steps. Its source's calls are not counted again:
 * the fork's cost is its new calls only.
 */
import path from 'node:path';
import { newChainContext } from '../../chain/init.js';
import type { ChainContext } from '../../chain/schema.js';
import { createChain, findChain, readChainFile } from '../../chain/store.js';
import { UsageError } from '../../errors.js';
import { initialWorkflowState } from '../../workflows/interpreter.js';
import { driveChainEntry, parseUntil, type ChainOutcome, type DriveOptions } from '../run/run.js';
import type { BaseDeps } from '../../engine/deps.js';

/**
 * The fork of `source` from step `fromStep` with answer changes `answers` (question id → text).
 * Throws UsageError for a step out of range, a step after implementation began (reused steps do
 * not redo file writes), or an unknown question id. Pure.
 */
function forkPlan(
  source: ChainContext,
  fromStep: number,
  answers: Record<string, string>,
): NonNullable<ChainContext['fork']> {
  const last = source.steps.length;
  if (!Number.isInteger(fromStep) || fromStep < 1 || fromStep > last) {
    throw new UsageError(
      `--from-step ${fromStep} is not a step of chain ${source.chain_id}`,
      last
        ? `Its steps are 1..${last}; \`claude-exec show ${source.chain_id}\` lists them.`
        : `Chain ${source.chain_id} has no step yet.`,
    );
  }
  const firstWrite = source.steps.find((s) => s.phase === 'implementation');
  if (firstWrite && firstWrite.n < fromStep) {
    throw new UsageError(
      `step ${fromStep} comes after implementation began (step ${firstWrite.n}): a fork does not redo file writes, so it cannot reuse those steps`,
      `Fork from step ${firstWrite.n} or earlier, or use \`claude-exec rollback ${source.chain_id}\` and run again.`,
    );
  }
  const ids = new Set(source.questions.map((q) => q.id));
  for (const id of Object.keys(answers)) {
    if (!ids.has(id))
      throw new UsageError(
        `question "${id}" is not in chain ${source.chain_id}`,
        ids.size ? `Its questions: ${[...ids].join(', ')}.` : 'It asked no question.',
      );
  }
  const kept = Object.fromEntries(
    source.questions.filter((q) => q.answer !== null).map((q) => [q.id, q.answer!]),
  );
  return {
    chain_id: source.chain_id,
    chain_uid: source.chain_uid,
    file: '',
    from_step: fromStep,
    answers: { ...kept, ...answers },
    changed: Object.keys(answers),
    approvals: source.approval_history
      .filter((a) => a.kind === 'solution')
      .map((a) => ({ response: a.user_response, note: a.note })),
  };
}

/** Creates the fork of chain `id` and drives it. */
export async function forkChain(
  id: string,
  fromStep: number,
  answers: Record<string, string>,
  base: BaseDeps,
  opts: DriveOptions,
): Promise<ChainOutcome> {
  const until = parseUntil(opts.until);
  const entry = await findChain([opts.contextsDir], id);
  const source = await readChainFile(entry.path);
  const fork = { ...forkPlan(source, fromStep, answers), file: entry.path };
  const models = opts.model
    ? { fast: opts.model, default: opts.model, smart: opts.model }
    : { ...source.models };
  if (until && source.workflow && source.workflow.name !== 'feature')
    throw new UsageError(
      `--until applies to the feature workflow; chain ${source.chain_id} runs the ${source.workflow.name} workflow`,
    );
  const workflow = source.workflow
    ? {
        ...source.workflow,
        state: initialWorkflowState(),
        phase_entered: false,
        step_budget: null,
        sub_chain: null,
      }
    : null;
  const created = await createChain(opts.contextsDir, source.goal, base.clock(), (chainId, chainUid, slug) =>
    newChainContext({
      chainId,
      chainUid,
      goal: source.goal,
      slug,
      workspace: path.resolve(base.workspace),
      model: models.default,
      models,
      now: base.clock(),
      untilPhase: until,
      maxCostUsd: opts.maxCostUsd ?? source.max_cost_usd,
      workflow,
      fork,
    }),
  );
  base.ui.progress.info(
    `Chain ${created.chainId} created as a fork of ${source.chain_id}: steps 1..${fromStep - 1} reused, live from step ${fromStep}`,
  );
  return driveChainEntry(created, base, { ...opts, until: undefined, maxCostUsd: undefined });
}
