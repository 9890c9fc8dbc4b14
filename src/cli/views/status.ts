/** The `status`, `chains` and `pending` documents of the JSON contract, built from context files. Pure. */
import type { ChainContext } from '../../chain/schema.js';
import type { ChainRowOutput, ChainsOutput } from '../contract/chains.js';
import type { PendingOutput } from '../contract/pending.js';
import type { StatusOutput } from '../contract/status.js';
import { billingOf, costOrNull, nextCommands, openQuestions, pendingView, tokensOf } from './chain.js';

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
    phases: ctx.phase_history.map((p) => ({ phase: p.phase, duration_ms: p.duration_ms, iterations: p.iterations, prompts: p.prompts_executed, exit_reason: p.exit_reason, done: p.ended_at !== null })),
    total_duration_ms: Math.max(0, Date.parse(ctx.updated_at) - Date.parse(ctx.created_at)) || 0,
    cost_usd: costOrNull(t.estimated_cost, ctx.calls.length, t.unpriced_calls),
    unpriced_calls: t.unpriced_calls,
    tokens: tokensOf(t),
    calls: ctx.calls.length,
    confidence: ctx.confidence_scores,
    pending: pendingView(ctx),
    open_questions: openQuestions(ctx),
    chain_error: ctx.error,
    next: nextCommands(ctx, flags)[0] ?? null,
  };
}

/** One row of `chains`. */
export function chainRow(ctx: ChainContext, file: string): ChainRowOutput {
  const t = ctx.cost_tracking;
  return {
    chain_id: ctx.chain_id,
    slug: ctx.slug,
    goal: ctx.goal,
    status: ctx.status,
    current_phase: ctx.current_phase,
    model: ctx.model,
    billing: billingOf(ctx),
    cost_usd: costOrNull(t.estimated_cost, ctx.calls.length, t.unpriced_calls),
    unpriced_calls: t.unpriced_calls,
    tokens: tokensOf(t),
    calls: ctx.calls.length,
    created_at: ctx.created_at,
    updated_at: ctx.updated_at,
    file,
  };
}

/** The `chains` document: `shown` rows, how many were hidden, the warnings about skipped files. */
export function chainsJson(shown: { ctx: ChainContext; file: string }[], hidden: number, warnings: string[]): ChainsOutput {
  return { schema: 'claude-exec/chains@1', chains: shown.map((c) => chainRow(c.ctx, c.file)), hidden, warnings };
}

/** The `pending` document. */
export function pendingJson(ctx: ChainContext, flags: string[] = []): PendingOutput {
  const view = pendingView(ctx);
  return { schema: 'claude-exec/pending@1', chain_id: ctx.chain_id, status: ctx.status, current_phase: ctx.current_phase, pending: view, next: nextCommands(ctx, flags) };
}
