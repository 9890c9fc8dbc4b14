/**
 * The `cost-report`, `chain-cost` and `prices` documents of the JSON contract, from the pure
 * reports of src/cost/ and src/features/reports/prices.ts: tokens in one shape, a cost of null where nothing
 * is priced, `--top` applied to every list. Pure.
 */
import type { ChainContext } from '../../chain/schema.js';
import type { BreakdownRow, ChainCostReport, CostReport } from '../../cost/report.js';
import type { PriceListing } from '../../features/reports/prices.js';
import type { ChainCostOutput } from '../chain-cost.js';
import type { CostReportOutput } from '../cost-report.js';
import type { PricesOutput } from '../prices.js';
import { billingOf, costOrNull, DEMO_MODEL } from '../../chain/billing.js';

type Row = CostReportOutput['breakdown']['rows'][number];

/** cache read / (input + cache write + cache read), as CallTotals.cacheReadShare; null without prompt tokens. */
function cacheReadShare(t: BreakdownRow['tokens']): number | null {
  const prompt = t.input + t.cache_write + t.cache_read;
  return prompt > 0 ? t.cache_read / prompt : null;
}

/** One breakdown row of the contract (cost or null, and its cache-read share). */
export function row(r: BreakdownRow): Row {
  return {
    key: r.key,
    calls: r.calls,
    unpriced_calls: r.unpriced_calls,
    subscription_calls: r.subscription_calls,
    tokens: r.tokens,
    cost_usd: costOrNull(r.cost_usd, r.calls, r.unpriced_calls),
    share: r.share,
    cache_read_share: cacheReadShare(r.tokens),
  };
}

/** The cost-report document; `top` limits the chains, the breakdown rows and the unpriced models. */
export function costReportJson(r: CostReport, top: number): CostReportOutput {
  const t = r.totals;
  return {
    schema: 'claude-exec/cost-report@1',
    window: r.window,
    top,
    totals: {
      chains: t.chains,
      calls: t.calls,
      unpriced_calls: t.unpriced_calls,
      subscription_calls: t.subscription_calls,
      cost_usd: costOrNull(t.cost_usd, t.calls, t.unpriced_calls),
      tokens: t.tokens,
      cache_read_share: t.cache_read_share,
    },
    average_cost_per_chain_usd:
      t.chains === 0 || costOrNull(t.cost_usd, t.calls, t.unpriced_calls) === null
        ? null
        : r.average_cost_per_chain_usd,
    top_chains: r.top_chains.slice(0, top).map((c) => ({
      chain_id: c.chain_id,
      slug: c.slug,
      goal: c.goal,
      status: c.status,
      started_at: c.started_at,
      file: c.file,
      calls: c.calls,
      unpriced_calls: c.unpriced_calls,
      subscription_calls: c.subscription_calls,
      tokens: c.tokens,
      cost_usd: costOrNull(c.cost_usd, c.calls, c.unpriced_calls),
    })),
    breakdown: {
      by: r.breakdown.by,
      rows: r.breakdown.rows.slice(0, top).map(row),
      omitted: Math.max(0, r.breakdown.rows.length - top),
    },
    unpriced_models: r.unpriced_models.slice(0, top),
    // The demo's model is unpriced on purpose: no suggestion to price it.
    suggestions: r.suggestions.filter((s) => !(s.kind === 'unpriced-model' && s.subject === DEMO_MODEL)),
  };
}

/** The chain-cost document. */
export function chainCostJson(c: ChainCostReport, ctx: ChainContext, file: string): ChainCostOutput {
  const { cache_write_5m, cache_write_1h, ...tokens } = c.tokens;
  const cost = costOrNull(c.cost_usd, c.calls, c.unpriced_calls);
  return {
    schema: 'claude-exec/chain-cost@1',
    chain_id: c.chain_id,
    slug: c.slug,
    goal: c.goal,
    status: c.status,
    file,
    billing: billingOf(ctx),
    created_at: c.created_at,
    updated_at: c.updated_at,
    duration_ms: c.duration_ms,
    calls: c.calls,
    unpriced_calls: c.unpriced_calls,
    subscription_calls: c.subscription_calls,
    prompts_executed: c.prompts_executed,
    tokens,
    cache_write_by_ttl: { '5m': cache_write_5m, '1h': cache_write_1h },
    cost_usd: cost,
    cost_per_prompt_usd: cost === null ? null : c.cost_per_prompt_usd,
    cache_read_share: c.cache_read_share,
    by_prompt: c.by_prompt.map(row),
    by_phase: c.by_phase.map(row),
    by_model: c.by_model.map(row),
    forecast: ctx.forecast,
    model_time_ms: ctx.calls.reduce((n, call) => n + call.latency_ms, 0),
  };
}

/** The prices document. */
export function pricesJson(p: PriceListing): PricesOutput {
  return {
    schema: 'claude-exec/prices@1',
    source: p.source,
    source_version: p.source_version,
    generated_at: p.generated_at,
    pricing_version: p.pricing_version,
    notes: p.notes,
    models: p.models.map((m) => ({
      model: m.model,
      input_mtok: m.input_mtok,
      output_mtok: m.output_mtok,
      cache_write_5m_mtok: m.cache_write_5m_mtok,
      cache_write_1h_mtok: m.cache_write_1h_mtok,
      cache_read_mtok: m.cache_read_mtok,
      long_context: m.long_context ?? null,
      source: m.source,
      aliases: m.aliases,
    })),
  };
}
