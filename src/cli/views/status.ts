/** The `status`, `chains` and `pending` documents of the JSON contract, built from context files. Pure. */
import type { ChainContext } from '../../chain/schema.js';
import type { ChainRowOutput, ChainsOutput } from '../contract/chains.js';
import type { PendingOutput } from '../contract/pending.js';
import type { StatusOutput } from '../contract/status.js';
import { wrapBelow } from '../../ui/wrap.js';
import { billingOf, costOrNull, nextCommands, openQuestions, pendingView, tokensOf } from './chain.js';

/** created_at to updated_at, ms (0 when either is unreadable). */
const durationOf = (ctx: ChainContext) =>
  Math.max(0, Date.parse(ctx.updated_at) - Date.parse(ctx.created_at)) || 0;

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
export function phaseFailed(ctx: Pick<ChainContext, 'phase_history' | 'status'>, i: number): boolean {
  const p = ctx.phase_history[i];
  if (!p) return false;
  if (p.exit_reason?.startsWith('failed')) return true;
  return (
    p.ended_at === null &&
    i === ctx.phase_history.length - 1 &&
    (ctx.status === 'failed' || ctx.status === 'budget-exceeded')
  );
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
    cost_usd: costOrNull(t.estimated_cost, ctx.calls.length, t.unpriced_calls + t.subscription_calls),
    unpriced_calls: t.unpriced_calls,
    tokens: tokensOf(t),
    calls: ctx.calls.length,
    created_at: ctx.created_at,
    updated_at: ctx.updated_at,
    file,
    confidence: ctx.confidence_scores.overall,
    duration_ms: durationOf(ctx),
    parent: ctx.parent,
    children: ctx.children,
    workflow: ctx.workflow?.name ?? (ctx.split ? 'split' : 'feature'),
  };
}

/**
 * The rows as a tree (text): each parent followed by its sub-chains, indented, with status, phase,
 * confidence and cost. Rows whose parent is not shown are roots.
 */
export function renderTree(
  rows: ChainRowOutput[],
  cost: (r: ChainRowOutput) => string,
  width: number | null = null,
): string {
  const byId = new Map(rows.map((r) => [r.chain_id, r]));
  const lines: string[] = [];
  const line = (r: ChainRowOutput, depth: number) => {
    const pad = depth ? `${'   '.repeat(depth - 1)}└─ ` : '';
    const head = `${pad}${r.chain_id}  ${r.status}  ${r.current_phase}  ${Math.round(r.confidence * 100)}%  ${cost(r)}  ${r.workflow === 'feature' ? '' : `[${r.workflow}] `}`;
    const goal = r.goal.split('\n')[0] ?? '';
    if (width === null || head.length + goal.length <= width) lines.push(`${head}${goal}`);
    else {
      // The goal wraps between words, its lines indented under the chain id, never past the width.
      const indent = ' '.repeat(pad.length + 5);
      lines.push(head.trimEnd(), ...wrapBelow(goal, Math.max(20, width - indent.length), indent));
    }
    for (const c of r.children) {
      const child = byId.get(c);
      if (child) line(child, depth + 1);
    }
  };
  for (const r of rows) if (!r.parent || !byId.has(r.parent)) line(r, 0);
  return lines.join('\n');
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
