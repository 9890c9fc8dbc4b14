/**
 * Use cases that drive a chain: start a new one, resume one, answer its questions, answer its
 * approval gate. Each drives the chain file through the engine (src/engine/run.ts driveEntry, with
 * the services the engine needs from the features: workflow resolution, measured cost classes)
 * until it stops, and returns the outcome as data (with the typed error that decides
 * the exit code, if any). A chain that ends complete or failed adds its runs to the measured
 * prompt costs.
 */
import path from 'node:path';
import type { ChainContext } from '../../chain/schema.js';
import { newChainContext } from '../../chain/init.js';
import { createChain, findChain, type ChainFileEntry } from '../../chain/store.js';
import { UsageError } from '../../errors.js';
import { forecastOverCapWarning } from '../../cost/suggestCap.js';
import type { GateAnswer } from '../../llm/cassette.js';
import { openPhaseRecord } from '../../engine/session.js';
import type { BaseDeps } from '../../engine/deps.js';
import {
  driveEntry,
  parseUntil,
  type ChainOutcome,
  type DriveOptions,
  type EngineServices,
} from '../../engine/run.js';
import { ITERATION_CAP_REASON } from '../../phases/machine.js';
import { applyingLine, seedChain } from '../../patterns/apply.js';
import { dataBlock } from '../../tools/dataBlock.js';
import { runDigest } from '../../tools/testDigest.js';
import { DEFAULT_WORKFLOW, positionAtPhase, SPLIT_WORKFLOW } from '../../workflows/run.js';
import { requireGitRepo } from '../../engine/worktrees.js';
import { WorkflowFileSchema } from '../../workflows/schema.js';
import { forecastFor, forecastLine, forecastWorkflow, type Forecast } from '../learning/forecast.js';
import { readCostClasses, recordChainCosts } from '../../cost/promptCosts.js';
import { workflowForChain } from '../library/workflows.js';

export type { ChainOutcome, DriveOptions } from '../../engine/run.js';
export { parseUntil } from '../../engine/run.js';

/** The features the engine uses, bound here. */
const chainServices: EngineServices = {
  workflowFor: (base, name) => workflowForChain(base.workspace, base.catalog, name, base.trusted),
  costClasses: readCostClasses,
  chainEnded: recordChainCosts,
};

/** Drives chain file `entry` (src/engine/run.ts driveEntry) with the features' services. */
export function driveChainEntry(
  entry: ChainFileEntry,
  base: BaseDeps,
  opts: DriveOptions,
  prepare?: (ctx: ChainContext) => GateAnswer | void,
): Promise<ChainOutcome> {
  return driveEntry(entry, base, opts, chainServices, prepare);
}

/** Starts a new chain for `goal` in `opts.contextsDir` and drives it. */
export async function startChain(goal: string, base: BaseDeps, opts: DriveOptions): Promise<ChainOutcome> {
  if (!goal.trim())
    throw new UsageError(
      'the task is empty',
      'Usage: claude-exec "Add JWT authentication to my Express app"',
    );
  const until = parseUntil(opts.until);
  // `--workflow split` is --split.
  if (opts.workflow === SPLIT_WORKFLOW) opts = { ...opts, split: true, workflow: undefined };
  // Checked before the chain exists: a misspelt workflow never starts a paid chain.
  const workflow = await workflowForChain(
    base.workspace,
    base.catalog,
    opts.split ? SPLIT_WORKFLOW : opts.workflow,
    base.trusted,
  );
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
    await requireGitRepo(base.workspace);
  }
  if (workflow.name !== DEFAULT_WORKFLOW && !opts.split && until)
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
        // A split runs the split workflow: its planner, its gate, then its parts as sub-chains.
        workflow,
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
  return driveChainEntry(entry, base, { ...opts, until: undefined, maxCostUsd: undefined });
}

/** The chain's cap, USD: the workflow's own budget_usd and the chain's limit, the lower wins. */
function capOf(wfBudget: number | null, chainMax: number | null | undefined): number | null | undefined {
  return wfBudget !== null && (chainMax === null || chainMax === undefined || wfBudget < chainMax)
    ? wfBudget
    : chainMax;
}

/** Did the chain stop at the implementation iteration cap (tests or quality gates still failing)? */
function stoppedAtIterationCap(ctx: ChainContext): boolean {
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
  return driveChainEntry(entry, base, opts, (ctx) => {
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
    ctx.phase_history.push(openPhaseRecord('implementation', base.clock().toISOString()));
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
  return driveChainEntry(entry, base, opts, (ctx) => {
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
  return driveChainEntry(entry, base, opts, (ctx) => {
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
