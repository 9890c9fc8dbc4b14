/**
 * Cost reports over chains (`cost-report`) and of one chain (`chain-cost`). Pure: data in,
 * data out; the `--json` output of both commands is exactly these objects (`version` 1).
 */
import type { ChainContext } from '../chain/schema.js';
import {
  CallTotals,
  GROUP_KEYS,
  breakdown,
  byCost,
  toRow,
  type BreakdownRow,
  type GroupBilling,
  type GroupKey,
  type TokenTotals,
} from './aggregate.js';
import type { ChainScan, ReportChain, TimeWindow } from './scan.js';
import { suggest, type ReportThresholds, type Suggestion } from './suggestions.js';

export type { BreakdownRow } from './aggregate.js';
export { DEFAULT_THRESHOLDS, type ReportThresholds } from './suggestions.js';

/** What `--by` can break the cost down by. */
export const BREAKDOWNS = GROUP_KEYS;
export type BreakdownBy = GroupKey;

interface ChainSummary {
  chain_id: string;
  slug: string;
  goal: string;
  status: string;
  /** ISO time from the file name. */
  started_at: string;
  file: string;
  calls: number;
  unpriced_calls: number;
  subscription_calls: number;
  billing: GroupBilling;
  tokens: TokenTotals;
  /** Priced calls only; unpriced calls are counted in `unpriced_calls`; null when all were billed by subscription. */
  cost_usd: number | null;
}

interface UnpricedModel {
  model: string;
  calls: number;
  tokens: TokenTotals;
}

export interface CostReport {
  version: 1;
  window: { since: string | null; until: string | null };
  totals: {
    chains: number;
    calls: number;
    unpriced_calls: number;
    /** Calls billed by a Claude subscription (not per token): in the tokens, not in the cost. */
    subscription_calls: number;
    billing: GroupBilling;
    /** null when every call was billed by subscription. */
    cost_usd: number | null;
    tokens: TokenTotals;
    /** cache read / (input + cache write + cache read); null without prompt tokens. */
    cache_read_share: number | null;
  };
  average_cost_per_chain_usd: number | null;
  top_chains: ChainSummary[];
  breakdown: { by: BreakdownBy; rows: BreakdownRow[] };
  unpriced_models: UnpricedModel[];
  suggestions: Suggestion[];
}

export interface CostReportOptions {
  by: BreakdownBy;
  /** Most expensive chains to list. */
  top: number;
  window: TimeWindow;
  thresholds: ReportThresholds;
}

const totalTokens = (t: CallTotals) => t.input + t.output + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;

function summarize(chain: ReportChain): ChainSummary {
  return {
    chain_id: chain.chainId,
    slug: chain.slug,
    goal: chain.goal,
    status: chain.status,
    started_at: new Date(chain.startedAtMs).toISOString(),
    file: chain.file,
    calls: chain.totals.calls,
    unpriced_calls: chain.totals.unpricedCalls,
    subscription_calls: chain.totals.subscriptionCalls,
    billing: chain.totals.billing(),
    tokens: chain.totals.tokens(),
    cost_usd: chain.totals.cost(),
  };
}

const iso = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();

/** The cost report over a scan (chains already windowed, de-duplicated and summed by `scanChains`). */
export function buildCostReport(scan: ChainScan, opts: CostReportOptions): CostReport {
  const { chains } = scan;
  const total = scan.totals.all;
  const groups = scan.totals.groups(opts.by);
  const byPrompt = opts.by === 'prompt' ? groups : scan.totals.groups('prompt');
  const byModel = opts.by === 'model' ? groups : scan.totals.groups('model');
  // Most expensive first; a full summary (dates, token objects) only for the chains listed.
  const ranked = [...chains].sort(
    (a, b) => b.totals.costUsd - a.totals.costUsd || totalTokens(b.totals) - totalTokens(a.totals),
  );
  const rows = [...groups].map(([key, acc]) => toRow(key, acc, total.costUsd));
  if (opts.by === 'day') rows.sort((a, b) => a.key.localeCompare(b.key));
  else rows.sort(byCost);
  const promptRows =
    byPrompt === groups ? rows : [...byPrompt].map(([key, acc]) => toRow(key, acc, total.costUsd));
  const unpriced = [...byModel]
    .filter(([, acc]) => acc.unpricedCalls > 0)
    .map(([model, acc]) => ({ model, calls: acc.unpricedCalls, tokens: acc.tokens() }))
    .sort((a, b) => b.tokens.total - a.tokens.total);
  const totals = {
    chains: chains.length,
    calls: total.calls,
    unpriced_calls: total.unpricedCalls,
    subscription_calls: total.subscriptionCalls,
    billing: total.billing(),
    cost_usd: total.cost(),
    tokens: total.tokens(),
    cache_read_share: total.cacheReadShare(),
  };
  return {
    version: 1,
    window: { since: iso(opts.window.sinceMs), until: iso(opts.window.untilMs) },
    totals,
    average_cost_per_chain_usd: chains.length && total.cost() !== null ? total.costUsd / chains.length : null,
    top_chains: ranked.slice(0, Math.max(0, opts.top)).map(summarize),
    breakdown: { by: opts.by, rows },
    unpriced_models: unpriced,
    suggestions: suggest(
      {
        chains: ranked.map((c) => ({ chain_id: c.chainId, slug: c.slug, cost_usd: c.totals.costUsd })),
        promptRows,
        totals,
        unpriced,
      },
      opts.thresholds,
    ),
  };
}

export interface ChainCostReport {
  version: 1;
  chain_id: string;
  slug: string;
  goal: string;
  status: string;
  created_at: string;
  updated_at: string;
  /** created_at to updated_at, ms. */
  duration_ms: number | null;
  calls: number;
  unpriced_calls: number;
  subscription_calls: number;
  billing: GroupBilling;
  /** Prompt runs (steps). */
  prompts_executed: number;
  tokens: TokenTotals & { cache_write_5m: number; cache_write_1h: number };
  /** null when every call was billed by subscription. */
  cost_usd: number | null;
  cost_per_prompt_usd: number | null;
  cache_read_share: number | null;
  by_prompt: BreakdownRow[];
  by_phase: BreakdownRow[];
  by_model: BreakdownRow[];
}

/** The cost of one chain, from its calls (the source of truth; `cost_tracking` equals their sum). */
export function buildChainCost(ctx: ChainContext): ChainCostReport {
  const acc = new CallTotals();
  for (const call of ctx.calls) acc.add(call);
  const duration = Date.parse(ctx.updated_at) - Date.parse(ctx.created_at);
  const prompts = ctx.steps.length || new Set(ctx.calls.map((c) => c.step)).size;
  return {
    version: 1,
    chain_id: ctx.chain_id,
    slug: ctx.slug,
    goal: ctx.goal,
    status: ctx.status,
    created_at: ctx.created_at,
    updated_at: ctx.updated_at,
    duration_ms: Number.isFinite(duration) && duration >= 0 ? duration : null,
    calls: acc.calls,
    unpriced_calls: acc.unpricedCalls,
    subscription_calls: acc.subscriptionCalls,
    billing: acc.billing(),
    prompts_executed: prompts,
    tokens: { ...acc.tokens(), cache_write_5m: acc.cacheWrite5m, cache_write_1h: acc.cacheWrite1h },
    cost_usd: acc.cost(),
    cost_per_prompt_usd: prompts > 0 && acc.cost() !== null ? acc.costUsd / prompts : null,
    cache_read_share: acc.cacheReadShare(),
    by_prompt: breakdown(ctx.calls, (c) => c.prompt, acc.costUsd),
    by_phase: breakdown(ctx.calls, (c) => c.phase, acc.costUsd),
    by_model: breakdown(ctx.calls, (c) => c.model, acc.costUsd),
  };
}
