/** The `status`, `chains` and `pending` documents of the JSON contract, built from context files. Pure. */
import type { ChainContext } from '../../chain/schema.js';
import type { ChainRowOutput, ChainsOutput } from '../chains.js';
import type { PendingOutput } from '../pending.js';
import type { StatusOutput } from '../status.js';
import { billingOf, costOrNull, tokensOf } from '../../chain/billing.js';
import { chainRow, durationOf } from '../../chain/row.js';
import { nextCommands, openQuestions, pendingView } from './chain.js';

/** The progress of a chain in the shape of the seed's `/status`. */
export function statusJson(ctx: ChainContext, file: string, flags: string[] = []): StatusOutput {
  const t = ctx.cost_tracking;
  return {
    schema: 'claude-exec/status@1',
    chain_id: ctx.chain_id,
    goal: ctx.goal,
    file,
    status: ctx.status,
    current_phase: ctx.current_phase,
    model: ctx.model,
    billing: billingOf(ctx),
    phases: ctx.phase_history.map((p, i) => {
      const failed = phaseFailed(ctx, i);
      return {
        phase: p.phase,
        started_at: p.started_at,
        ended_at: p.ended_at,
        duration_ms: p.duration_ms,
        iterations: p.iterations,
        prompts: p.prompts_executed,
        exit_reason: p.exit_reason,
        done: p.ended_at !== null && !failed,
        failed,
      };
    }),
    total_duration_ms: durationOf(ctx),
    cost_usd: costOrNull(t.estimated_cost, ctx.calls.length, t.unpriced_calls + t.subscription_calls),
    unpriced_calls: t.unpriced_calls,
    tokens: tokensOf(t),
    calls: ctx.calls.length,
    confidence: ctx.confidence_scores,
    pending: pendingView(ctx),
    open_questions: openQuestions(ctx),
    chain_error: ctx.error,
    next: nextCommands(ctx, flags)[0] ?? null,
    instructions: ctx.instructions,
  };
}

/**
 * Pure: whether phase record `i` of the chain failed — closed with a `failed: …` reason, or the
 * last, still open record of a chain that failed or hit its budget.
 */
function phaseFailed(ctx: Pick<ChainContext, 'phase_history' | 'status'>, i: number): boolean {
  const p = ctx.phase_history[i];
  if (!p) return false;
  if (p.exit_reason?.startsWith('failed')) return true;
  return (
    p.ended_at === null &&
    i === ctx.phase_history.length - 1 &&
    (ctx.status === 'failed' || ctx.status === 'budget-exceeded')
  );
}

/** The `chains` document: `shown` rows, how many were hidden, the warnings about skipped files, how many older ones the limit left out. */
export function chainsJson(
  shown: { ctx: ChainContext; file: string }[],
  hidden: number,
  warnings: string[],
  older = 0,
): ChainsOutput {
  return chainsJsonOfRows(
    shown.map((c) => chainRow(c.ctx, c.file)),
    hidden,
    warnings,
    older,
  );
}

/** The `chains` document from summary rows (the chain index's). */
export function chainsJsonOfRows(
  rows: ChainRowOutput[],
  hidden: number,
  warnings: string[],
  older = 0,
): ChainsOutput {
  return { schema: 'claude-exec/chains@1', chains: rows, hidden, warnings, older };
}

/** The `pending` document. */
export function pendingJson(ctx: ChainContext, flags: string[] = []): PendingOutput {
  const view = pendingView(ctx);
  return {
    schema: 'claude-exec/pending@1',
    chain_id: ctx.chain_id,
    status: ctx.status,
    current_phase: ctx.current_phase,
    pending: view,
    next: nextCommands(ctx, flags),
  };
}
