/**
 * A chain's summary row: what `chains` lists and the chain index (./chains-index.ts) keeps, one
 * per context file. Its zod schema is the contract's `chains@1` row (src/contract/chains.ts,
 * checked against this type). Pure.
 */
import { billingOf, costOrNull, tokensOf, type Billing, type Tokens } from './billing.js';
import type { ChainContext, ChainStatus, Phase } from './schema.js';

/** One row of `chains` (USD rounded on output; durations in ms). */
export interface ChainRow {
  chain_id: string;
  slug: string;
  goal: string;
  status: ChainStatus;
  current_phase: Phase;
  model: string;
  billing: Billing;
  cost_usd: number | null;
  unpriced_calls: number;
  tokens: Tokens;
  calls: number;
  created_at: string;
  updated_at: string;
  file: string;
  /** The chain's overall confidence, 0..1. */
  confidence: number;
  /** created_at to updated_at, ms. */
  duration_ms: number;
  /** The chain this is a sub-chain of (--split), or null. */
  parent: string | null;
  /** Its sub-chains (--split), in plan order. */
  children: string[];
  /** The workflow it runs (feature: the phase flow). */
  workflow: string;
}

/** created_at to updated_at, ms (0 when either is unreadable). */
export const durationOf = (ctx: ChainContext) =>
  Math.max(0, Date.parse(ctx.updated_at) - Date.parse(ctx.created_at)) || 0;

/** One row of `chains`. */
export function chainRow(ctx: ChainContext, file: string): ChainRow {
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
